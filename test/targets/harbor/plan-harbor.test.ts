/**
 * `regfence plan` for Harbor, in process: a proxy cache's endpoints, projects and robot read live
 * from the stand-in Harbor (every request checked against Harbor's API description) or from its
 * saved listings, before and after `apply` converges it.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { credential, definePolicy, fromEnv, harborProxyCache } from "../../../src/dsl/index.ts";
import { applyHarborTarget } from "../../../src/targets/harbor/apply-harbor.ts";
import { harborState } from "../../../src/targets/harbor/plan-harbor.ts";
import type { DriftReport, StateSource } from "../../../src/targets/target-state.ts";
import { programOf } from "../../helpers/program.ts";
import { type FakeHarborApi, startFakeHarborApi } from "./fake-harbor-api.ts";
import { harborSwaggerPath } from "./harbor-api-description.ts";

const admin = { HARBOR_USERNAME: "admin", HARBOR_PASSWORD: "Harbor12345" };
const login = { username: admin.HARBOR_USERNAME, password: admin.HARBOR_PASSWORD };
const robotLogin = { PLAN_ROBOT_USER: "robot$kube-pull", PLAN_ROBOT_TOKEN: "Pull3dThroughHarbor" };
const required = process.env["REGFENCE_REQUIRE_SCHEMAS"] === "1";

function programFor(api: string) {
  const pull = credential("harbor-pull", { server: "harbor.myco.com:8443", username: fromEnv("PLAN_ROBOT_USER"), password: fromEnv("PLAN_ROBOT_TOKEN"), readOnly: true });
  return programOf(
    definePolicy({
      name: "proxy-cache",
      credentials: [pull],
      proxyCache: harborProxyCache({ host: "harbor.myco.com:8443", api, upstreams: ["docker.io", "quay.io"], projects: { public: true }, robot: { name: "kube-pull", credential: pull } }),
    }),
  ).program;
}

const roots: string[] = [];
const servers: FakeHarborApi[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

/** Saves the stand-in's listings as an operator would (`GET /api/v2.0/<resource>`), under harbor/<host>/. */
async function save(server: FakeHarborApi, edit: (listings: Record<string, unknown>) => void = () => undefined): Promise<Extract<StateSource, { kind: "saved" }>> {
  const root = await mkdtemp(path.join(tmpdir(), "regfence-plan-harbor-"));
  roots.push(root);
  const listings: Record<string, unknown> = {
    registries: structuredClone(server.registries),
    projects: structuredClone(server.projects),
    robots: structuredClone(server.robots),
    systeminfo: { harbor_version: "v2.15.1-6b4f3c0e" },
  };
  edit(listings);
  await mkdir(path.join(root, "harbor", "harbor.myco.com_8443"), { recursive: true });
  for (const [name, value] of Object.entries(listings)) await writeFile(path.join(root, "harbor", "harbor.myco.com_8443", `${name}.json`), JSON.stringify(value, null, 2));
  return { kind: "saved", dir: path.join(root, "harbor"), shown: "state/harbor" };
}

const summary = (report: DriftReport) => report.items.map(({ failure, parts }) => ({ failure: failure?.message, parts: parts.map(({ part, action, lines }) => ({ part, action, lines })) }));

describe.runIf(existsSync(harborSwaggerPath) || required)("plan harbor", () => {
  it("reads live as `apply harbor --dry-run` does, then saved, before and after apply", async () => {
    const server = await startFakeHarborApi({ ...login, registries: [{ name: "quay.io", type: "docker-registry", url: "https://quay.io", insecure: false, description: "hand-made" }] });
    servers.push(server);
    const program = programFor(server.url);
    const environment = { ...admin, ...robotLogin };
    const live = () => harborState.read({ program, options: undefined, artifacts: [], source: { kind: "live", environment } });
    process.env["PLAN_ROBOT_USER"] = robotLogin.PLAN_ROBOT_USER;
    process.env["PLAN_ROBOT_TOKEN"] = robotLogin.PLAN_ROBOT_TOKEN;
    try {
      const before = await live();
      expect(server.requests.filter(({ method }) => method !== "GET")).toEqual([]);
      expect(summary(before)).toEqual([
        {
          failure: undefined,
          parts: [
            { part: "registries", action: "pending", lines: ["+ docker.io (docker-hub https://hub.docker.com)", "~ quay.io: description"] },
            { part: "projects", action: "pending", lines: ["+ docker.io (proxies docker.io)", "+ quay.io (proxies quay.io)"] },
            { part: "robot", action: "pending", lines: ["+ kube-pull (system robot pulling from 2 projects; secret: credential harbor-pull's password)"] },
          ],
        },
      ]);
      const saved = await save(server);
      const fromFiles = await harborState.read({ program, options: undefined, artifacts: [], source: saved });
      expect(summary(fromFiles)).toEqual(summary(before));
      expect(fromFiles.items[0]?.where).toBe(`${server.url}, saved in state/harbor/harbor.myco.com_8443`);

      const applied = await applyHarborTarget.run(program, undefined, { dryRun: false, only: undefined, environment });
      expect(applied.items[0]?.failure).toBeUndefined();
      const inSync = [{ failure: undefined, parts: ["registries", "projects", "robot"].map((part) => ({ part, action: "in-sync", lines: [] })) }];
      expect(summary(await live())).toEqual(inSync);
      expect(summary(await harborState.read({ program, options: undefined, artifacts: [], source: await save(server) }))).toEqual(inSync);

      // Drift made in Harbor's UI after apply: a project made private, the robot disabled.
      const drifted = await save(server, (listings) => {
        for (const project of listings["projects"] as { name: string; metadata: Record<string, string> }[]) {
          if (project.name === "docker.io") project.metadata = { ...project.metadata, public: "false" };
        }
        for (const robot of listings["robots"] as { disable: boolean }[]) robot.disable = true;
      });
      expect(summary(await harborState.read({ program, options: undefined, artifacts: [], source: drifted }))[0]?.parts).toEqual([
        { part: "registries", action: "in-sync", lines: [] },
        { part: "projects", action: "pending", lines: ["~ docker.io: public true"] },
        { part: "robot", action: "pending", lines: ["~ robot$kube-pull: disabled"] },
      ]);
    } finally {
      delete process.env["PLAN_ROBOT_USER"];
      delete process.env["PLAN_ROBOT_TOKEN"];
    }
    expect(server.violations).toEqual([]);
  });

  it("reports a saved listing of another shape at its field, and a missing one as unknown", async () => {
    const server = await startFakeHarborApi(login);
    servers.push(server);
    const program = programFor(server.url);
    const saved = await save(server, (listings) => {
      listings["projects"] = { items: [] };
      delete listings["robots"];
    });
    const report = await harborState.read({ program, options: undefined, artifacts: [], source: saved });
    expect(report.problems).toEqual([
      {
        file: "state/harbor/harbor.myco.com_8443/projects.json",
        line: 1,
        column: 1,
        message: "expected array, received object; the file should hold the answer of GET /api/v2.0/projects (a JSON array of projects; every page, as one array)",
      },
    ]);
    expect(report.items[0]?.failure?.message).toMatch(/^the saved state is not what regfence reads/);
    const withoutRobots = await harborState.read({ program, options: undefined, artifacts: [], source: await save(server, (listings) => delete listings["robots"]) });
    expect(withoutRobots.items[0]?.failure?.message).toBe("no saved state: state/harbor/harbor.myco.com_8443/robots.json does not exist: not compared");
  });

  it("refuses a saved Harbor too old for the settings the policy uses", async () => {
    const server = await startFakeHarborApi(login);
    servers.push(server);
    const program = programOf(definePolicy({ name: "p", proxyCache: harborProxyCache({ host: "harbor.myco.com:8443", api: server.url, upstreams: ["quay.io"], projects: { proxySpeedKb: 1024 } }) })).program;
    const saved = await save(server, (listings) => (listings["systeminfo"] = { harbor_version: "v2.10.0-abc" }));
    const report = await harborState.read({ program, options: undefined, artifacts: [], source: saved });
    expect(report.items[0]?.failure?.message).toBe("Harbor v2.10.0-abc lacks proxy_speed_kb (Harbor 2.12), which the policy sets");
  });
});
