import { readdir } from "node:fs/promises";
import path from "node:path";
import { dockerHubHosts } from "../../ir/build-proxy-cache.js";
import { DraftCall, type DraftValue, EnvUse, variableFor } from "../../render/policy-draft.js";
import type { z } from "zod";
import { FatalError } from "../../diagnostics/fatal-error.js";
import { checkAnswer, readStateFile, requireStateFile, savedStateFailure, type StateFileProblem } from "../saved-state.js";
import type { ImportedState, SavedSource, TargetImport } from "../target-state.js";
import { credentialsFrom } from "./apply-harbor.js";
import { HarborApiClient } from "./harbor-api-client.js";
import { formatHarborVersion, parseHarborVersion } from "./harbor-version.js";
import { listing, savedProjects, savedRegistries, savedRobots, savedSystemInfo } from "./saved-listings.js";
import { knownProvider } from "./providers.js";

/** Docker Hub's hosts as an endpoint URL may name them (its site, Harbor's default URL, too): the upstream a policy calls docker.io. */
const isDockerHubHost = (host: string): boolean => host === "hub.docker.com" || dockerHubHosts.includes(host);

/** The upstream an endpoint proxies: its name when that is a registry host (regfence names endpoints so), else its URL's host. */
function upstreamOf(endpoint: { readonly name: string; readonly url: string }): string {
  if (/^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?$/.test(endpoint.name)) return endpoint.name;
  const host = URL.canParse(endpoint.url) ? new URL(endpoint.url).host : endpoint.name;
  return isDockerHubHost(host) ? "docker.io" : host;
}


/** The one value every project holds for a setting, or undefined when they differ or none sets it. */
function common(values: readonly (string | undefined)[]): string | undefined {
  const [first] = values;
  return values.every((value) => value === first) ? first : undefined;
}

/** The listings of one Harbor, from saved files or its API, and how to name each in messages. */
interface Listings {
  readonly host: string;
  /** The API, when it is not https://<host> (a live read through another URL). */
  readonly api: string | undefined;
  readonly registries: z.infer<ReturnType<typeof savedRegistries>>;
  readonly projects: z.infer<ReturnType<typeof savedProjects>>;
  readonly robots: z.infer<ReturnType<typeof savedRobots>> | undefined;
  readonly harborVersion: string | undefined;
  readonly shown: (name: string) => string;
}

async function savedListings(source: SavedSource, folder: string): Promise<Listings> {
  const file = (name: string) => [path.join(source.dir, folder, `${name}.json`), `${source.shown}/${folder}/${name}.json`] as const;
  const info = await readStateFile(...file("systeminfo"), savedSystemInfo(), "the answer of GET /api/v2.0/systeminfo");
  return {
    host: folder.replace(/_(\d+)$/, ":$1"),
    api: undefined,
    harborVersion: info?.harbor_version,
    registries: await requireStateFile(...file("registries"), savedRegistries(), listing("registries", "registries")),
    projects: await requireStateFile(...file("projects"), savedProjects(), listing("projects", "projects")),
    robots: await readStateFile(...file("robots"), savedRobots(), listing("robots", "robots")),
    shown: (name) => file(name)[1],
  };
}

/** Harbor's API at HARBOR_URL, read with HARBOR_USERNAME and HARBOR_PASSWORD as `apply harbor` reads it. */
async function liveListings(environment: Readonly<Record<string, string | undefined>>): Promise<Listings> {
  const api = environment["HARBOR_URL"]?.trim() ?? "";
  if (!URL.canParse(api)) throw new FatalError("config", "set HARBOR_URL to the Harbor to import (its API base, e.g. https://harbor.myco.com)");
  const host = environment["HARBOR_PROXY_HOST"]?.trim() || new URL(api).host;
  const client = new HarborApiClient(api, credentialsFrom(environment));
  const listed = async <T>(resource: string, shape: z.ZodType<T>): Promise<T> => checkAnswer(await client.list(`/${resource}`), shape, `GET /api/v2.0/${resource}`, listing(resource, resource));
  const info = checkAnswer(await client.get("/systeminfo"), savedSystemInfo(), "GET /api/v2.0/systeminfo", "the Harbor version");
  return {
    host,
    api: api.replace(/\/+$/, "") === `https://${host}` ? undefined : api.replace(/\/+$/, ""),
    harborVersion: info.harbor_version,
    registries: await listed("registries", savedRegistries()),
    projects: await listed("projects", savedProjects()),
    robots: await listed("robots", savedRobots()),
    shown: (name) => `GET ${api}/api/v2.0/${name}`,
  };
}

/** The proxy cache the listings describe, and what could not be translated. */
function translate(listings: Listings, untranslated: StateFileProblem[], variables: string[]): DraftCall {
  const version = parseHarborVersion(/^v?(\d+\.\d+(?:\.\d+)?)/.exec(listings.harborVersion ?? "")?.[1] ?? "");
  const { registries, projects } = listings;
  const proxied = projects.filter((project) => project.registry_id != null && registries.some((registry) => registry.id === project.registry_id));
  const upstreams: DraftValue[] = [];
  for (const project of proxied) {
    const endpoint = registries.find((registry) => registry.id === project.registry_id);
    if (endpoint === undefined) continue;
    const registry = upstreamOf(endpoint);
    const known = knownProvider(registry, version ?? { major: 2, minor: 15, patch: 1 });
    const credential = endpoint.credential?.access_key;
    const entry: Record<string, DraftValue> = { registry };
    if (project.name !== registry) entry["project"] = project.name;
    if (known?.provider !== endpoint.type) entry["provider"] = endpoint.type;
    if ((known?.url ?? `https://${registry}`) !== endpoint.url) entry["url"] = endpoint.url;
    if (credential != null && credential !== "") {
      const [username, password] = [variableFor(registry, "USERNAME"), variableFor(registry, "PASSWORD")];
      variables.push(username, password);
      entry["credentials"] = { username: new EnvUse(username), password: new EnvUse(password) };
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
      untranslated.push({ file: listings.shown("projects"), line: 0, column: 0, message: `the proxy-cache projects differ in ${key}; a policy sets it once for all, so it is left at regfence's default` });
    }
  }
  for (const robot of (listings.robots ?? []).filter((candidate) => candidate.level === "system")) {
    untranslated.push({ file: listings.shown("robots"), line: 0, column: 0, message: `robot ${robot.name} is not imported: add robot: { name, credential } with the pull credential whose password it should accept` });
  }
  const options: Record<string, DraftValue> = {
    host: listings.host,
    ...(listings.api === undefined ? {} : { api: listings.api }),
    ...(version === undefined ? {} : { harborVersion: formatHarborVersion(version) }),
    upstreams,
  };
  if (Object.keys(settings).length > 0) options["projects"] = settings;
  return new DraftCall("harborProxyCache", [options]);
}

/**
 * `regfence import harbor`: a proxy cache (saved in `harbor/<host>/`, or live at HARBOR_URL) as a
 * `harborProxyCache(...)` call. An upstream is written short (`"quay.io"`) when its project, type
 * and URL are what regfence would choose, in full otherwise; an endpoint's credential becomes
 * `fromEnv` references (Harbor never lists the secret). The pull robot is named but not imported:
 * its credential is a choice.
 */
export const importHarbor: TargetImport = {
  help: `  harbor/<host>/registries.json, projects.json, systeminfo.json (optional), robots.json
                       (optional): GET /api/v2.0/registries, /projects, /systeminfo, /robots;
                       live: the Harbor at HARBOR_URL (HARBOR_PROXY_HOST: the host pulls name,
                       default its host), read with HARBOR_USERNAME and HARBOR_PASSWORD`,
  async read(source): Promise<ImportedState> {
    const problems: StateFileProblem[] = [];
    const untranslated: StateFileProblem[] = [];
    const variables: string[] = [];
    const result = (fields: ImportedState["fields"], failures: string[]): ImportedState => ({ places: [], fields, untranslated, problems, failures, variables });
    let folder: string | undefined;
    if (source.kind === "saved") {
      const folders = (await readdir(source.dir, { withFileTypes: true }).catch(() => [])).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
      if (folders.length !== 1) return result({}, [`harbor: a policy has one proxy cache: expected one folder under ${source.shown}, found ${folders.length === 0 ? "none" : folders.join(", ")}`]);
      folder = folders[0];
    }
    try {
      const listings = source.kind === "saved" ? await savedListings(source, folder ?? "") : await liveListings(source.environment);
      return result({ proxyCache: translate(listings, untranslated, variables) }, []);
    } catch (error) {
      return result({}, [`harbor: ${savedStateFailure(error, problems).message}`]);
    }
  },
};
