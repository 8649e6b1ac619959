import { isDockerHub } from "../../ir/build-proxy-cache.js";
import type { NodeMirrorsNode, ProxyCacheNode, UpstreamNode } from "../../ir/model.js";

/** One upstream as every runtime mirrors it: to its Harbor project, under the registry's API root. */
export interface MirrorRoute {
  readonly upstream: UpstreamNode;
  /** The registry as runtimes name it after normalising: Docker Hub is `docker.io` under any of its names. */
  readonly registry: string;
  readonly project: string;
  /** containerd's directory for the registry: `host_port_` for a port, as containerd looks it up first. */
  readonly directory: string;
  /** The upstream itself (`https://registry-1.docker.io` for Docker Hub), containerd's fallback. */
  readonly upstreamServer: string;
  /** `https://harbor.myco.com/v2/<project>`: the API root as written, hence `override_path`. */
  readonly mirrorUrl: string;
  /** `harbor.myco.com/<project>`: containers-image's mirror location (no scheme, no `/v2`). */
  readonly mirrorLocation: string;
}

export interface MirrorPlan {
  readonly proxy: ProxyCacheNode;
  readonly mirrors: NodeMirrorsNode;
  /** `https://harbor.myco.com`: the endpoint's origin. */
  readonly origin: string;
  /** Plain http to a loopback endpoint (tests): containers-image needs `insecure` for it. */
  readonly plainHttp: boolean;
  readonly routes: readonly MirrorRoute[];
}

/** The routes of a proxy cache whose node mirrors are valid (the target validated them first). */
export function mirrorPlan(proxy: ProxyCacheNode, mirrors: NodeMirrorsNode): MirrorPlan {
  const endpoint = new URL(mirrors.endpoint);
  return {
    proxy,
    mirrors,
    origin: endpoint.origin,
    plainHttp: endpoint.protocol === "http:",
    routes: proxy.upstreams.map((upstream) => {
      const registry = isDockerHub(upstream) ? "docker.io" : upstream.registry;
      return {
        upstream,
        registry,
        project: upstream.project,
        directory: registry.replace(/:(\d+)$/, "_$1_"),
        upstreamServer: registry === "docker.io" ? "https://registry-1.docker.io" : `https://${registry}`,
        mirrorUrl: `${endpoint.origin}/v2/${upstream.project}`,
        mirrorLocation: `${endpoint.host}/${upstream.project}`,
      };
    }),
  };
}

/** One `[host."<url>"]` table of a hosts.toml. */
export interface HostsTomlHost {
  readonly capabilities: readonly string[];
  readonly override_path?: true;
  readonly ca?: string;
}

/** A containerd hosts.toml, as parsed back. */
export interface HostsToml {
  readonly server: string;
  readonly override_path?: true;
  readonly ca?: string;
  readonly host: Readonly<Record<string, HostsTomlHost>>;
}

/** What `<directory>/hosts.toml` holds, as parsed back: strict makes the mirror the only server. */
export function hostsToml(plan: MirrorPlan, route: MirrorRoute): HostsToml {
  const ca = plan.mirrors.caFile === null ? {} : { ca: plan.mirrors.caFile };
  const host = { [route.mirrorUrl]: { capabilities: ["pull", "resolve"], override_path: true as const, ...ca } };
  return plan.mirrors.strict ? { server: route.mirrorUrl, override_path: true, ...ca, host } : { server: route.upstreamServer, host };
}

/**
 * `_default/hosts.toml` in strict mode: a registry with no directory of its own goes to the proxy's
 * root, where Harbor finds no such project, so the pull fails instead of reaching the internet.
 */
export function defaultHostsToml(plan: MirrorPlan): HostsToml {
  const ca = plan.mirrors.caFile === null ? {} : { ca: plan.mirrors.caFile };
  return { server: plan.origin, ...ca, host: { [plan.origin]: { capabilities: ["pull", "resolve"], ...ca } } };
}

/** One `[[registry]]` of a registries.conf, as parsed back. */
export interface RegistriesConfEntry {
  readonly prefix: string;
  readonly location: string;
  readonly blocked?: true;
  readonly mirror: readonly [{ readonly location: string; readonly insecure?: true }];
}

/** The `registries.conf.d` drop-in, as parsed back. */
export interface RegistriesConf {
  readonly "unqualified-search-registries"?: readonly string[];
  readonly registry: readonly RegistriesConfEntry[];
}

export function registriesConf(plans: readonly MirrorPlan[]): RegistriesConf {
  const routes = plans.flatMap((plan) => plan.routes.map((route) => ({ plan, route })));
  return {
    ...(routes.some(({ route }) => route.registry === "docker.io") ? { "unqualified-search-registries": ["docker.io"] } : {}),
    registry: routes.map(({ plan, route }) => ({
      prefix: route.registry,
      location: route.registry,
      ...(plan.mirrors.strict ? { blocked: true as const } : {}),
      mirror: [{ location: route.mirrorLocation, ...(plan.plainHttp ? { insecure: true as const } : {}) }],
    })),
  };
}

/** k3s/RKE2 `registries.yaml`: the path endpoint, which k3s turns into `override_path` itself. */
export function k3sRegistries(plans: readonly MirrorPlan[]): Record<string, unknown> {
  const mirrors = Object.fromEntries(plans.flatMap((plan) => plan.routes.map((route) => [route.registry, { endpoint: [route.mirrorUrl] }])));
  const configs = Object.fromEntries(plans.flatMap((plan) => (plan.mirrors.caFile === null ? [] : [[new URL(plan.origin).host, { tls: { ca_file: plan.mirrors.caFile } }]])));
  return Object.keys(configs).length === 0 ? { mirrors } : { mirrors, configs };
}

/** The Talos machine-config patch (`machine.registries.mirrors`, Talos 1.4+; `skipFallback` 1.9+). */
export function talosPatch(plans: readonly MirrorPlan[]): Record<string, unknown> {
  const mirrors = Object.fromEntries(
    plans.flatMap((plan) => plan.routes.map((route) => [route.registry, { endpoints: [route.mirrorUrl], overridePath: true, ...(plan.mirrors.strict ? { skipFallback: true } : {}) }])),
  );
  return { machine: { registries: { mirrors } } };
}
