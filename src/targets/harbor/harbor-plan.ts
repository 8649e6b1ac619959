import type { HarborProvider } from "../../dsl/index.js";
import { assertNever } from "../../ir/assert-never.js";
import type { PolicyNode, ProgramNode, ProxyCacheNode, SecretRefNode, UpstreamNode } from "../../ir/model.js";
import { atLeast, formatHarborVersion, type HarborVersion, parseHarborVersion, v } from "./harbor-version.js";
import { knownProvider } from "./providers.js";

/** The version assumed when the policy's is not one (already reported). */
const fallbackVersion: HarborVersion = { major: 2, minor: 15, patch: 1 };

export function versionOf(proxy: ProxyCacheNode): HarborVersion {
  return parseHarborVersion(proxy.harborVersion) ?? fallbackVersion;
}

/** Harbor's registry type and URL for an upstream: as written, else inferred; undefined when neither. */
export function endpointOf(upstream: UpstreamNode, version: HarborVersion): { readonly provider: HarborProvider; readonly url: string } | undefined {
  const known = knownProvider(upstream.registry, version);
  const provider = upstream.provider ?? known?.provider;
  if (provider === undefined) return undefined;
  return { provider, url: upstream.url ?? known?.url ?? `https://${upstream.registry}` };
}

/** Where a secret comes from, as a reviewed file may say it: a variable's name, never a value or a machine's path. */
function origin(ref: SecretRefNode): string {
  switch (ref.kind) {
    case "env":
      return `environment variable ${ref.variable}`;
    case "file":
      return "the file the policy names with fromFile";
    default:
      return assertNever(ref);
  }
}

/** One registry endpoint, as `registries.json` holds it (Harbor's `Registry`, credentials by origin). */
export interface DesiredRegistry {
  readonly name: string;
  readonly type: HarborProvider;
  readonly url: string;
  readonly insecure: false;
  readonly description: string;
  readonly credential?: { readonly type: "basic"; readonly access_key_from: string; readonly access_secret_from: string };
}

/** One proxy-cache project, as `projects.json` holds it (Harbor's `ProjectReq`, the registry by name). */
export interface DesiredProject {
  readonly project_name: string;
  readonly registry: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/** The system robot that pulls from every proxy project. */
export interface DesiredRobot {
  readonly name: string;
  readonly level: "system";
  readonly duration: -1;
  readonly description: string;
  readonly permissions: readonly { readonly kind: "project"; readonly namespace: string; readonly access: readonly { readonly resource: "repository"; readonly action: "pull" }[] }[];
  /** The pull credential whose secret Harbor's answer becomes. */
  readonly feeds: string;
}

export interface HarborState {
  readonly registries: readonly DesiredRegistry[];
  readonly projects: readonly DesiredProject[];
  readonly robot: DesiredRobot | null;
}

/** What Harbor must hold for the proxy cache: a registry endpoint and a project per upstream, and the robot. */
export function desiredState(proxy: ProxyCacheNode): HarborState {
  const version = versionOf(proxy);
  const registries: DesiredRegistry[] = [];
  const projects: DesiredProject[] = [];
  for (const upstream of proxy.upstreams) {
    const endpoint = endpointOf(upstream, version);
    if (endpoint === undefined) continue;
    registries.push({
      name: upstream.registry,
      type: endpoint.provider,
      url: endpoint.url,
      insecure: false,
      description: `regfence: ${upstream.registry} behind the proxy cache ${proxy.host}`,
      ...(upstream.credentials === null
        ? {}
        : { credential: { type: "basic" as const, access_key_from: origin(upstream.credentials.username), access_secret_from: origin(upstream.credentials.password) } }),
    });
    const metadata: Record<string, string> = { public: String(proxy.projects.public) };
    if (proxy.projects.proxySpeedKb !== null) metadata["proxy_speed_kb"] = String(proxy.projects.proxySpeedKb);
    if (proxy.projects.localOnNotFound) metadata["proxy_cache_local_on_not_found"] = "true";
    projects.push({ project_name: upstream.project, registry: upstream.registry, metadata });
  }
  const robot: DesiredRobot | null =
    proxy.robot === null
      ? null
      : {
          name: proxy.robot.name,
          level: "system",
          duration: -1,
          description: `regfence: pulls through the proxy cache ${proxy.host}`,
          permissions: projects.map((project) => ({ kind: "project", namespace: project.project_name, access: [{ resource: "repository", action: "pull" }] })),
          feeds: proxy.robot.credential,
        };
  return { registries, projects, robot };
}

/** The API calls that provision an empty Harbor, in order (`apply harbor` makes only those that differ). */
export function provisioningCalls(proxy: ProxyCacheNode, state: HarborState): unknown[] {
  return [
    { method: "GET", path: "/systeminfo", purpose: `check the Harbor version (written for ${proxy.harborVersion})` },
    ...state.registries.map(({ credential, ...registry }) => ({
      method: "POST",
      path: "/registries",
      // Harbor's Registry body; the secrets are read from where the policy says only when applied.
      body: credential === undefined ? registry : { ...registry, credential: { type: credential.type, access_key: `<${credential.access_key_from}>`, access_secret: `<${credential.access_secret_from}>` } },
      purpose: `the registry endpoint for ${registry.name}`,
    })),
    ...state.projects.map((project) => ({
      method: "POST",
      path: "/projects",
      body: { project_name: project.project_name, metadata: project.metadata },
      registry_id_of: project.registry,
      purpose: `the proxy-cache project ${project.project_name}`,
    })),
    ...(state.robot === null ? [] : robotCalls(state.robot)),
  ];
}

/** Harbor ignores a secret given on create, so the robot is created, then given its credential's password. */
function robotCalls({ feeds, ...body }: DesiredRobot): unknown[] {
  return [
    { method: "POST", path: "/robots", body, purpose: "the pull robot" },
    { method: "PATCH", path: "/robots/{id}", body: { secret: `<the password of credential ${feeds}>` }, id_of: body.name, purpose: `the robot's secret: the password credential ${feeds} reads, so the pull Secret logs in as the robot` },
  ];
}

/** The policies' proxy caches, each once (policies may share one; RF3010/RF3016 keep them consistent). */
export function proxyCaches(program: ProgramNode): { readonly policy: PolicyNode; readonly proxy: ProxyCacheNode }[] {
  const seen = new Set<string>();
  return program.policies.flatMap((policy) => {
    const proxy = policy.proxyCache;
    if (proxy === null || seen.has(proxy.host)) return [];
    seen.add(proxy.host);
    return [{ policy, proxy }];
  });
}

/** Where Harbor serves an image the rewrite sends to `upstream`'s project (for `regfence explain`). */
export interface HarborServing {
  readonly proxy: string;
  readonly project: string;
  readonly endpoint: string;
  /** The endpoint's registry type and URL; undefined when neither is known (RF8001 reports it). */
  readonly type: HarborProvider | undefined;
  readonly url: string | undefined;
}

export function harborServing(proxy: ProxyCacheNode, upstream: UpstreamNode): HarborServing {
  const endpoint = endpointOf(upstream, versionOf(proxy));
  return { proxy: proxy.host, project: upstream.project, endpoint: upstream.registry, type: endpoint?.provider, url: endpoint?.url };
}

/** A project setting the policy sets that a Harbor version does not have. */
export interface UnsupportedSetting {
  /** The field of `projects` that sets it. */
  readonly field: "proxySpeedKb" | "localOnNotFound";
  /** Harbor's metadata key. */
  readonly setting: string;
  /** The first Harbor release that has it, e.g. `2.12`. */
  readonly since: string;
}

/** The project settings the proxy cache sets that `version` lacks: checked at compile time and against the live Harbor. */
export function unsupportedSettings(proxy: ProxyCacheNode, version: HarborVersion): UnsupportedSetting[] {
  const settings = [
    { field: "proxySpeedKb", setting: "proxy_speed_kb", since: v(2, 12), set: proxy.projects.proxySpeedKb !== null },
    { field: "localOnNotFound", setting: "proxy_cache_local_on_not_found", since: v(2, 15, 1), set: proxy.projects.localOnNotFound },
  ] as const;
  return settings.filter(({ set, since }) => set && !atLeast(version, since)).map(({ field, setting, since }) => ({ field, setting, since: formatHarborVersion(since) }));
}

/** `harbor.myco.com:8443` → `harbor.myco.com_8443`: a proxy cache's folder name on any file system. */
export function proxyFolder(proxy: ProxyCacheNode): string {
  return proxy.host.replace(":", "_");
}
