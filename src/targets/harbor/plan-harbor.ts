import path from "node:path";
import type { ProgramNode, ProxyCacheNode } from "../../ir/model.js";
import { readStateFile, requireStateFile, savedStateFailure, type StateFileProblem } from "../saved-state.js";
import type { AppliedItem } from "../target-apply.js";
import { readThroughApply, type SavedSource, type TargetState } from "../target-state.js";
import { isRobot, type LiveRobot, missingRobotLine, robotFields } from "./apply-harbor-robot.js";
import { applyHarborTarget, differences, harborParts, missingFeatures } from "./apply-harbor.js";
import { desiredState, proxyCaches, proxyFolder } from "./harbor-plan.js";
import { listing, savedProjects, savedRegistries, savedRobots, savedSystemInfo } from "./saved-listings.js";

/** `null` as Harbor writes an absent value, `undefined` as the comparison reads it. */
const present = <T>(value: T | null | undefined): T | undefined => value ?? undefined;

async function savedProxy(proxy: ProxyCacheNode, source: SavedSource, problems: StateFileProblem[]): Promise<AppliedItem> {
  const directory = proxyFolder(proxy);
  const file = (name: string) => ({ file: path.join(source.dir, directory, `${name}.json`), shown: `${source.shown}/${directory}/${name}.json` });
  const item = { name: proxy.host, where: `${proxy.api}, saved in ${source.shown}/${directory}`, json: { proxy: proxy.host, api: proxy.api, saved: `${source.shown}/${directory}` } };
  const state = desiredState(proxy);
  try {
    const info = await readStateFile(file("systeminfo").file, file("systeminfo").shown, savedSystemInfo(), "the answer of GET /api/v2.0/systeminfo");
    const lacking = missingFeatures(proxy, info?.harbor_version);
    if (lacking.length > 0) return { ...item, parts: [], failure: { message: `Harbor ${info?.harbor_version ?? "?"} lacks ${lacking.join(" and ")}, which the policy sets`, hint: "upgrade Harbor, or leave those settings out" } };
    const registries = await requireStateFile(file("registries").file, file("registries").shown, savedRegistries(), listing("registries", "registries"));
    const projects = await requireStateFile(file("projects").file, file("projects").shown, savedProjects(), listing("projects", "projects"));
    const found = differences(
      state.registries,
      state.projects,
      registries.map((registry) => ({ ...registry, description: present(registry.description) })),
      projects.map((project) => ({ ...project, registry_id: present(project.registry_id), metadata: present(project.metadata), repo_count: present(project.repo_count) })),
    );
    const robotLines: string[] = [];
    if (state.robot !== null) {
      const robots = await requireStateFile(file("robots").file, file("robots").shown, savedRobots(), listing("robots", "robots"));
      const saved = robots.find((candidate) => isRobot(candidate as LiveRobot, state.robot?.name ?? ""));
      if (saved === undefined) robotLines.push(missingRobotLine(state.robot));
      else {
        const live: LiveRobot = { ...saved, description: present(saved.description), level: present(saved.level), disable: present(saved.disable), permissions: saved.permissions?.map((permission) => ({ kind: present(permission.kind), namespace: present(permission.namespace), access: permission.access?.map((access) => ({ resource: present(access.resource), action: present(access.action) })) })) };
        const fields = robotFields(live, state.robot);
        if (fields.length > 0) robotLines.push(`~ ${live.name}: ${fields.join(", ")}`);
      }
    }
    const parts = harborParts(state, found, robotLines, (pending) => (pending === 0 ? "in-sync" : "pending"));
    return { ...item, parts, failure: found.conflicts.length === 0 ? undefined : { message: found.conflicts.join("; "), hint: undefined } };
  } catch (error) {
    return { ...item, parts: [], failure: savedStateFailure(error, problems) };
  }
}

/**
 * `regfence plan` for Harbor: each proxy cache's registry endpoints, proxy-cache projects and pull
 * robot, read live exactly as `apply harbor --dry-run` reads them, or from saved API listings.
 */
export const harborState: TargetState<undefined> = {
  noun: "proxy",
  plural: "proxy caches",
  savedHelp: `  harbor/<host>/registries.json, projects.json, robots.json (with a robot), systeminfo.json
                       (optional): the answers of GET /api/v2.0/registries, /projects, /robots
                       and /systeminfo (<host> with ':' as '_'); a robot's secret is checked
                       live only`,
  liveHelp: applyHarborTarget.environmentHelp,
  names: (program: ProgramNode) => proxyCaches(program).map(({ proxy }) => proxy.host),
  read: readThroughApply(applyHarborTarget, (program) => proxyCaches(program).map(({ proxy }) => proxy), savedProxy),
};
