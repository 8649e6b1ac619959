import { FatalError } from "../../diagnostics/fatal-error.js";
import type { ProgramNode, ProxyCacheNode, UpstreamNode } from "../../ir/model.js";
import { requireSecretPair } from "../credentials/read-secret.js";
import type { AppliedItem, AppliedPart, ApplyReport, TargetApply } from "../target-apply.js";
import { robotChange, robotLogin } from "./apply-harbor-robot.js";
import { HarborApiClient, HarborApiError, type HarborCredentials } from "./harbor-api-client.js";
import { type DesiredProject, type DesiredRegistry, desiredState, type HarborState, proxyCaches, unsupportedSettings } from "./harbor-plan.js";
import { parseHarborVersion } from "./harbor-version.js";

/** A registry endpoint as Harbor lists it (`Registry`). */
export interface LiveRegistry {
  readonly id: number;
  readonly name: string;
  readonly type: string;
  readonly url: string;
  readonly insecure?: boolean;
  readonly description?: string;
}

/** A project as Harbor lists it (`Project`). */
export interface LiveProject {
  readonly project_id: number;
  readonly name: string;
  readonly registry_id?: number;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly repo_count?: number;
}

/** HARBOR_USERNAME and HARBOR_PASSWORD; missing ones are a configuration error (exit 2). */
export function credentialsFrom(environment: Readonly<Record<string, string | undefined>>): HarborCredentials {
  const username = environment["HARBOR_USERNAME"]?.trim() ?? "";
  const password = environment["HARBOR_PASSWORD"] ?? "";
  const missing = [...(username === "" ? ["HARBOR_USERNAME"] : []), ...(password === "" ? ["HARBOR_PASSWORD"] : [])];
  if (missing.length > 0) {
    throw new FatalError("config", `missing Harbor credentials: set ${missing.join(" and ")} (an administrator, or a system robot allowed to create registries and projects)`);
  }
  return { username, password };
}

/** Harbor's `credential` for an upstream that needs one, read from where the policy says, only now. */
async function upstreamCredential(upstream: UpstreamNode | undefined): Promise<{ credential?: { type: "basic"; access_key: string; access_secret: string } }> {
  if (upstream === undefined || upstream.credentials === null) return {};
  const { username, password } = await requireSecretPair(upstream.credentials, upstream.registry);
  return { credential: { type: "basic", access_key: username, access_secret: password } };
}

/** What to check when a request failed, by how it failed. */
function hintFor(error: unknown, proxy: ProxyCacheNode): string | undefined {
  if (!(error instanceof HarborApiError)) return undefined;
  switch (error.status) {
    case undefined:
      return `check the proxy cache's api (${proxy.api}) and the network path to it`;
    case 401:
      return "check HARBOR_USERNAME and HARBOR_PASSWORD";
    case 403:
      return "the user must be a Harbor administrator, or a system robot allowed to create and update registries, projects and robots";
    default:
      return error.status >= 500 || error.status === 429 ? "Harbor, or a proxy in front of it, is failing or busy: run apply again later (nothing after the failed request was sent)" : undefined;
  }
}

/** What differs between the desired and the live endpoints and projects. */
export interface Differences {
  readonly createRegistries: readonly DesiredRegistry[];
  readonly updateRegistries: readonly { readonly live: LiveRegistry; readonly wanted: DesiredRegistry; readonly fields: readonly string[] }[];
  readonly createProjects: readonly DesiredProject[];
  /** An empty project bound to another endpoint: deleted and created again. */
  readonly rebindProjects: readonly { readonly live: LiveProject; readonly wanted: DesiredProject }[];
  readonly updateProjects: readonly { readonly live: LiveProject; readonly wanted: DesiredProject; readonly keys: readonly string[] }[];
  /** What cannot converge: another registry type, a bound project that holds images. */
  readonly conflicts: readonly string[];
}

export function differences(registries: readonly DesiredRegistry[], projects: readonly DesiredProject[], liveRegistries: readonly LiveRegistry[], liveProjects: readonly LiveProject[]): Differences {
  const byName = new Map(liveRegistries.map((registry) => [registry.name, registry]));
  const createRegistries: DesiredRegistry[] = [];
  const updateRegistries: { live: LiveRegistry; wanted: DesiredRegistry; fields: string[] }[] = [];
  const conflicts: string[] = [];
  for (const wanted of registries) {
    const live = byName.get(wanted.name);
    if (live === undefined) createRegistries.push(wanted);
    else if (live.type !== wanted.type) conflicts.push(`registry ${wanted.name} is of type ${live.type} in Harbor and ${wanted.type} in the policy: Harbor cannot change a type (delete the endpoint and its projects, then apply)`);
    else {
      const fields = (["url", "description", "insecure"] as const).filter((field) => (live[field] ?? (field === "insecure" ? false : "")) !== wanted[field]);
      if (fields.length > 0) updateRegistries.push({ live, wanted, fields });
    }
  }
  const projectsByName = new Map(liveProjects.map((project) => [project.name, project]));
  const createProjects: DesiredProject[] = [];
  const rebindProjects: { live: LiveProject; wanted: DesiredProject }[] = [];
  const updateProjects: { live: LiveProject; wanted: DesiredProject; keys: string[] }[] = [];
  for (const wanted of projects) {
    const live = projectsByName.get(wanted.project_name);
    if (live === undefined) {
      createProjects.push(wanted);
      continue;
    }
    const endpoint = byName.get(wanted.registry);
    if (endpoint === undefined || live.registry_id !== endpoint.id) {
      const bound = liveRegistries.find((registry) => registry.id === live.registry_id)?.name ?? (live.registry_id ? `#${live.registry_id}` : "no registry (not a proxy cache)");
      if ((live.repo_count ?? 0) > 0) conflicts.push(`project ${wanted.project_name} proxies ${bound}, not ${wanted.registry}, and holds ${live.repo_count} repositories: not changed (empty it to let apply rebind it)`);
      else rebindProjects.push({ live, wanted });
      continue;
    }
    const keys = Object.keys(wanted.metadata).filter((key) => live.metadata?.[key] !== wanted.metadata[key]);
    if (keys.length > 0) updateProjects.push({ live, wanted, keys });
  }
  return { createRegistries, updateRegistries, createProjects, rebindProjects, updateProjects, conflicts };
}

const changeCount = (found: Differences): number =>
  found.createRegistries.length + found.updateRegistries.length + found.createProjects.length + found.rebindProjects.length + found.updateProjects.length;

function lines(found: Differences): { registries: string[]; projects: string[] } {
  return {
    registries: [
      ...found.createRegistries.map((registry) => `+ ${registry.name} (${registry.type} ${registry.url})`),
      ...found.updateRegistries.map(({ wanted, fields }) => `~ ${wanted.name}: ${fields.join(", ")}`),
    ],
    projects: [
      ...found.createProjects.map((project) => `+ ${project.project_name} (proxies ${project.registry})`),
      ...found.rebindProjects.map(({ wanted }) => `~ ${wanted.project_name}: empty, bound to another registry, created again for ${wanted.registry}`),
      ...found.updateProjects.map(({ wanted, keys }) => `~ ${wanted.project_name}: ${keys.map((key) => `${key} ${wanted.metadata[key] ?? ""}`).join(", ")}`),
    ],
  };
}

/** The project settings the policy uses that the live Harbor (`v2.11.2-5c8e9a3b`) lacks; none when its version is unreadable. */
export function missingFeatures(proxy: ProxyCacheNode, live: string | undefined): string[] {
  const version = live === undefined ? undefined : parseHarborVersion(/^v?(\d+\.\d+(?:\.\d+)?)/.exec(live)?.[1] ?? "");
  if (version === undefined) return [];
  return unsupportedSettings(proxy, version).map(({ setting, since }) => `${setting} (Harbor ${since})`);
}

const done = { "in-sync": "", pending: "would apply", confirmed: "applied, confirmed", sent: "applied, not confirmed" } as const;

/**
 * The three parts of a proxy cache as `apply` and `plan` report them: endpoints, projects and the
 * robot, each with what differs; `action` says what became of a part with that many changes.
 */
export function harborParts(state: HarborState, found: Differences, robotLines: readonly string[], action: (pending: number) => AppliedPart["action"]): AppliedPart[] {
  const shown = lines(found);
  const describe = (taken: AppliedPart["action"], counts: { create: number; update: number }, wanted: string) => {
    if (taken === "in-sync") return `in sync (${wanted})`;
    const changes = [...(counts.create > 0 ? [`${counts.create} to create`] : []), ...(counts.update > 0 ? [`${counts.update} to update`] : [])];
    return `${changes.join(", ")}: ${done[taken]} (${wanted})`;
  };
  const registryCounts = { create: found.createRegistries.length, update: found.updateRegistries.length };
  const projectCounts = { create: found.createProjects.length + found.rebindProjects.length, update: found.updateProjects.length };
  const robotCounts = { create: robotLines.filter((line) => line.startsWith("+")).length, update: robotLines.filter((line) => line.startsWith("~")).length };
  return (
    [
      ["registries", registryCounts, `${state.registries.length} ${state.registries.length === 1 ? "endpoint" : "endpoints"}`, shown.registries],
      ["projects", projectCounts, `${state.projects.length} ${state.projects.length === 1 ? "project" : "projects"}`, shown.projects],
      ...(state.robot === null ? [] : ([["robot", robotCounts, `robot ${state.robot.name}`, robotLines]] as const)),
    ] as const
  ).map(([name, counts, wanted, changes]) => {
    const taken = action(counts.create + counts.update);
    return { part: name, action: taken, outcome: describe(taken, counts, wanted), lines: changes, json: { part: name, action: taken, changes } };
  });
}

async function applyProxy(program: ProgramNode, proxy: ProxyCacheNode, credentials: HarborCredentials, dryRun: boolean): Promise<AppliedItem> {
  const client = new HarborApiClient(proxy.api, credentials);
  const state = desiredState(proxy);
  const item = (parts: AppliedPart[], failure?: string, hint?: string): AppliedItem => ({
    name: proxy.host,
    where: proxy.api,
    parts,
    failure: failure === undefined ? undefined : { message: failure, hint },
    json: { proxy: proxy.host, api: proxy.api },
  });
  const read = async () => ({ registries: await client.list<LiveRegistry>("/registries"), projects: await client.list<LiveProject>("/projects") });
  try {
    const info = await client.get<{ harbor_version?: string }>("/systeminfo");
    const lacking = missingFeatures(proxy, info.harbor_version);
    if (lacking.length > 0) return item([], `Harbor ${info.harbor_version ?? "?"} lacks ${lacking.join(" and ")}, which the policy sets: nothing changed`);
    const before = await read();
    const found = differences(state.registries, state.projects, before.registries, before.projects);
    const login = state.robot === null ? undefined : await robotLogin(program, state.robot);
    const robot = state.robot === null || login === undefined ? undefined : await robotChange(client, state.robot, login);
    const robotLines = robot?.lines ?? [];
    const parts = (action: (pending: number) => AppliedPart["action"]): AppliedPart[] => harborParts(state, found, robotLines, action);
    if (dryRun || changeCount(found) + robotLines.length === 0) {
      const result = parts((pending) => (pending === 0 ? "in-sync" : "pending"));
      return item(result, found.conflicts.length === 0 ? undefined : found.conflicts.join("; "));
    }
    // Every upstream secret is read before the first request that changes anything.
    const bodies = await Promise.all(
      found.createRegistries.map(async ({ credential: _origin, ...body }) => ({ ...body, ...(await upstreamCredential(proxy.upstreams.find((upstream) => upstream.registry === body.name))) })),
    );
    for (const body of bodies) await client.send("POST", "/registries", body);
    for (const { live, wanted } of found.updateRegistries) await client.send("PUT", `/registries/${live.id}`, { url: wanted.url, description: wanted.description, insecure: wanted.insecure });
    // New endpoints' ids are read once, and only when a project has to be bound to one.
    const binding = found.createProjects.length + found.rebindProjects.length > 0;
    const created = binding && bodies.length > 0 ? await client.list<LiveRegistry>("/registries") : before.registries;
    const endpoints = new Map(created.map((registry) => [registry.name, registry.id]));
    for (const { live } of found.rebindProjects) await client.send("DELETE", `/projects/${encodeURIComponent(live.name)}`, undefined, { "X-Is-Resource-Name": "true" });
    for (const wanted of [...found.createProjects, ...found.rebindProjects.map(({ wanted: project }) => project)]) {
      await client.send("POST", "/projects", { project_name: wanted.project_name, registry_id: endpoints.get(wanted.registry), metadata: wanted.metadata });
    }
    for (const { wanted } of found.updateProjects) {
      await client.send("PUT", `/projects/${encodeURIComponent(wanted.project_name)}`, { metadata: wanted.metadata }, { "X-Is-Resource-Name": "true" });
    }
    await robot?.apply();
    const after = await read();
    const left = differences(state.registries, state.projects, after.registries, after.projects);
    const robotLeft = state.robot === null || login === undefined ? 0 : (await robotChange(client, state.robot, login)).lines.length;
    const confirmed = changeCount(left) + robotLeft === 0;
    const result = parts((pending) => (pending === 0 ? "in-sync" : confirmed ? "confirmed" : "sent"));
    const failures = [...left.conflicts, ...(confirmed ? [] : [`reading Harbor back still shows ${changeCount(left) + robotLeft} difference(s): not confirmed`])];
    return item(result, failures.length === 0 ? undefined : failures.join("; "));
  } catch (error) {
    return item([], (error as Error).message, hintFor(error, proxy));
  }
}

/**
 * `regfence apply harbor`: for each proxy cache, the registry endpoints, proxy-cache projects and
 * pull robot read with one listing each, compared with the compiled desired state, created or
 * updated where they differ (a project bound elsewhere is created again only when it holds no
 * image), and read back. Credentials come from HARBOR_USERNAME and HARBOR_PASSWORD.
 */
export const applyHarborTarget: TargetApply<undefined> = {
  selector: "proxy",
  plural: "proxy caches",
  environmentHelp: `  HARBOR_USERNAME, HARBOR_PASSWORD
                       a Harbor administrator, or a system robot allowed to create registries
                       and projects (Basic auth); the API is the proxy cache's \`api\`
                       (default https://<host>)
  the pull credential's username and password, with \`robot\`
                       the robot's login name (robot$<name>) and the secret it is given`,
  names: (program: ProgramNode) => proxyCaches(program).map(({ proxy }) => proxy.host),
  async run(program, _options, request): Promise<ApplyReport> {
    const proxies = proxyCaches(program).filter(({ proxy }) => request.only?.has(proxy.host) ?? true);
    const credentials = credentialsFrom(request.environment);
    const items: AppliedItem[] = [];
    for (const { proxy } of proxies) items.push(await applyProxy(program, proxy, credentials, request.dryRun));
    const failed = items.filter(({ failure }) => failure !== undefined).length;
    const changes = (action: AppliedPart["action"]) =>
      items.flatMap(({ parts }) => parts).filter((part) => part.action === action).reduce((sum, part) => sum + part.lines.length, 0);
    const plural = (count: number) => `${count} ${count === 1 ? "change" : "changes"}`;
    const summary = request.dryRun
      ? failed > 0
        ? `dry run: incomplete, ${failed} of ${items.length} ${items.length === 1 ? "proxy cache" : "proxy caches"} could not be read; nothing was sent`
        : `dry run: ${changes("pending") === 0 ? "nothing would change" : `${plural(changes("pending"))} pending`}; nothing was sent`
      : changes("confirmed") > 0
        ? `applied ${plural(changes("confirmed"))}, confirmed by reading Harbor back`
        : failed === 0
          ? "nothing to do: Harbor matches the policies"
          : "";
    return { items, summary };
  },
};
