import { readdir } from "node:fs/promises";
import path from "node:path";
import { DraftCall, type DraftValue, EnvUse } from "../../render/policy-draft.js";
import { readStateFile, requireStateFile, savedStateFailure, type StateFileProblem } from "../saved-state.js";
import type { ImportedState, TargetImport } from "../target-state.js";
import { formatHarborVersion, parseHarborVersion } from "./harbor-version.js";
import { listing, savedProjects, savedRegistries, savedRobots, savedSystemInfo } from "./saved-listings.js";
import { knownProvider } from "./providers.js";

/** Docker Hub's hosts as an endpoint URL may name them: the upstream a policy calls docker.io. */
const dockerHubHosts = new Set(["hub.docker.com", "registry-1.docker.io", "index.docker.io", "docker.io"]);

/** The upstream an endpoint proxies: its name when that is a registry host (regfence names endpoints so), else its URL's host. */
function upstreamOf(endpoint: { readonly name: string; readonly url: string }): string {
  if (/^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?$/.test(endpoint.name)) return endpoint.name;
  const host = URL.canParse(endpoint.url) ? new URL(endpoint.url).host : endpoint.name;
  return dockerHubHosts.has(host) ? "docker.io" : host;
}

/** `ghcr.io` → `GHCR_IO`: the prefix of the variables an upstream's credential is read from. */
const variablePrefix = (registry: string): string => registry.toUpperCase().replace(/[^A-Z0-9]+/g, "_").replace(/^_+|_+$/g, "");

/** The one value every project holds for a setting, or undefined when they differ or none sets it. */
function common(values: readonly (string | undefined)[]): string | undefined {
  const [first] = values;
  return values.every((value) => value === first) ? first : undefined;
}

/**
 * `regfence import harbor` from saved state: the proxy cache in `harbor/<host>/` (its registry
 * endpoints and proxy-cache projects, as Harbor lists them) as a `harborProxyCache(...)` call.
 * An upstream is written short (`"quay.io"`) when its project, type and URL are what regfence
 * would choose, in full otherwise; an endpoint's credential becomes `fromEnv` references (Harbor
 * never lists the secret). The pull robot is named but not imported: its credential is a choice.
 */
export const importHarbor: TargetImport = {
  help: `  harbor/<host>/registries.json, projects.json, systeminfo.json (optional), robots.json
                       (optional): GET /api/v2.0/registries, /projects, /systeminfo, /robots`,
  async read(source): Promise<ImportedState> {
    if (source.kind === "live") throw new Error("import harbor reads saved state: save the API listings under DIR/harbor/<host>/ and pass --from DIR");
    const problems: StateFileProblem[] = [];
    const untranslated: StateFileProblem[] = [];
    const variables: string[] = [];
    const folders = (await readdir(source.dir, { withFileTypes: true }).catch(() => [])).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
    if (folders.length !== 1) {
      const found = folders.length === 0 ? "none" : folders.join(", ");
      return { places: [], fields: {}, untranslated, problems, failures: [`harbor: a policy has one proxy cache: expected one folder under ${source.shown}, found ${found}`], variables };
    }
    const [folder = ""] = folders;
    const host = folder.replace(/_(\d+)$/, ":$1");
    const file = (name: string) => [path.join(source.dir, folder, `${name}.json`), `${source.shown}/${folder}/${name}.json`] as const;
    try {
      const info = await readStateFile(...file("systeminfo"), savedSystemInfo, "the answer of GET /api/v2.0/systeminfo");
      const version = parseHarborVersion(/^v?(\d+\.\d+(?:\.\d+)?)/.exec(info?.harbor_version ?? "")?.[1] ?? "");
      const registries = await requireStateFile(...file("registries"), savedRegistries, listing("registries", "registries"));
      const projects = await requireStateFile(...file("projects"), savedProjects, listing("projects", "projects"));
      const proxied = projects.filter((project) => project.registry_id != null && registries.some((registry) => registry.id === project.registry_id));
      const upstreams: DraftValue[] = [];
      for (const project of proxied) {
        const endpoint = registries.find((registry) => registry.id === project.registry_id);
        if (endpoint === undefined) continue;
        const registry = upstreamOf(endpoint);
        const known = version === undefined ? knownProvider(registry, { major: 2, minor: 15, patch: 1 }) : knownProvider(registry, version);
        const credential = endpoint.credential?.access_key;
        const entry: Record<string, DraftValue> = { registry };
        if (project.name !== registry) entry["project"] = project.name;
        if (known?.provider !== endpoint.type) entry["provider"] = endpoint.type;
        if ((known?.url ?? `https://${registry}`) !== endpoint.url) entry["url"] = endpoint.url;
        if (credential != null && credential !== "") {
          const prefix = variablePrefix(registry);
          variables.push(`${prefix}_USERNAME`, `${prefix}_PASSWORD`);
          entry["credentials"] = { username: new EnvUse(`${prefix}_USERNAME`), password: new EnvUse(`${prefix}_PASSWORD`) };
        }
        upstreams.push(Object.keys(entry).length === 1 ? registry : entry);
      }
      const setting = (key: string) => common(proxied.map((project) => project.metadata?.[key] ?? undefined));
      const settings: Record<string, DraftValue> = {};
      if (setting("public") === "true") settings["public"] = true;
      const speed = setting("proxy_speed_kb");
      if (speed !== undefined && Number(speed) > 0) settings["proxySpeedKb"] = Number(speed);
      if (setting("proxy_cache_local_on_not_found") === "true") settings["localOnNotFound"] = true;
      for (const key of ["public", "proxy_speed_kb", "proxy_cache_local_on_not_found"]) {
        if (proxied.length > 1 && setting(key) === undefined && proxied.some((project) => project.metadata?.[key] !== undefined)) {
          untranslated.push({ file: file("projects")[1], line: 0, column: 0, message: `the proxy-cache projects differ in ${key}; a policy sets it once for all, so it is left at regfence's default` });
        }
      }
      const robots = await readStateFile(...file("robots"), savedRobots, listing("robots", "robots"));
      for (const robot of (robots ?? []).filter((candidate) => candidate.level === "system")) {
        untranslated.push({ file: file("robots")[1], line: 0, column: 0, message: `robot ${robot.name} is not imported: add robot: { name, credential } with the pull credential whose password it should accept` });
      }
      const options: Record<string, DraftValue> = { host, ...(version === undefined ? {} : { harborVersion: formatHarborVersion(version) }), upstreams };
      if (Object.keys(settings).length > 0) options["projects"] = settings;
      return { places: [], fields: { proxyCache: new DraftCall("harborProxyCache", [options]) }, untranslated, problems, failures: [], variables };
    } catch (error) {
      return { places: [], fields: {}, untranslated, problems, failures: [`harbor ${host}: ${savedStateFailure(error, problems).message}`], variables };
    }
  },
};
