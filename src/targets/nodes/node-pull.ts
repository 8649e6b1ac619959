import type { NodeRuntime } from "../../dsl/index.js";
import { dockerHubHosts, upstreamNamed } from "../../ir/build-proxy-cache.js";
import { parseImageReference } from "../../ir/docker-reference.js";
import type { ProxyCacheNode } from "../../ir/model.js";
import { mirrorPlan } from "./node-mirror-plan.js";

/** What each configured runtime pulls, in words. */
export type NodePulls = Partial<Record<NodeRuntime, string>>;

/** Where a runtime goes first for an image (the mirror's host, or the registry itself), and the whole path in words. */
export interface NodePull {
  readonly from: string;
  readonly text: string;
}

/**
 * What a node with each configured runtime fetches for `image` when the image reaches it as
 * written (a static Pod, the webhook down, an excluded namespace): the manifest URL on the mirror,
 * or where else it goes. The proxy cache is the one whose upstream the image is from, else the
 * strict one, else the first with node mirrors. Undefined when none has node mirrors or the image
 * is invalid.
 */
export function nodePullRoutes(proxies: readonly ProxyCacheNode[], image: string): Partial<Record<NodeRuntime, NodePull>> | undefined {
  const parsed = parseImageReference(image);
  if (!parsed.ok) return undefined;
  const reference = parsed.value;
  const registry = reference.domain === undefined || dockerHubHosts.includes(reference.domain) ? "docker.io" : reference.domain;
  const mirrored = proxies.filter((proxy) => proxy.nodeMirrors !== null);
  const proxy = mirrored.find((candidate) => upstreamNamed(candidate, reference.domain) !== undefined) ?? mirrored.find((candidate) => candidate.nodeMirrors?.strict) ?? mirrored[0];
  const mirrors = proxy?.nodeMirrors ?? null;
  if (proxy === undefined || mirrors === null) return undefined;
  // Runtimes normalise Docker Hub names before they match a mirror: nginx is docker.io/library/nginx.
  const path = registry === "docker.io" && !reference.path.includes("/") ? `library/${reference.path}` : reference.path;
  const manifest = reference.digest ?? reference.tag ?? "latest";
  const plan = mirrorPlan(proxy, mirrors);
  const upstream = upstreamNamed(proxy, reference.domain);
  const route = upstream === undefined ? undefined : plan.routes.find((candidate) => candidate.upstream === upstream);
  const hostOf = (url: string) => new URL(url).host;
  const pulls: Partial<Record<NodeRuntime, NodePull>> = {};
  for (const runtime of mirrors.runtimes) {
    if (registry === proxy.host) pulls[runtime] = { from: hostOf(plan.origin), text: `${plan.origin}/v2/${path}/manifests/${manifest} (already on the proxy cache)` };
    else if (route !== undefined) pulls[runtime] = { from: hostOf(route.mirrorUrl), text: `${route.mirrorUrl}/${path}/manifests/${manifest}${mirrors.strict ? "" : `, then ${route.upstreamServer} if the mirror fails`}` };
    else if (!mirrors.strict) pulls[runtime] = { from: registry, text: `${registry} directly: not an upstream of ${proxy.host}` };
    else if (runtime === "cri-o" || runtime === "k3s") {
      pulls[runtime] = { from: registry, text: `${registry} directly: not an upstream of ${proxy.host}, and ${runtime === "cri-o" ? "CRI-O" : "k3s"} has no catch-all mirror` };
    } else if (runtime === "talos") pulls[runtime] = { from: registry, text: `${registry} directly: not an upstream of ${proxy.host} (skipFallback covers upstreams only)` };
    else pulls[runtime] = { from: hostOf(plan.origin), text: `${plan.origin}/v2/${path}/manifests/${manifest}: the proxy's root, where Harbor has no such project, so the pull fails` };
  }
  return pulls;
}

/** {@link nodePullRoutes} in words, per runtime. */
export function nodePulls(proxies: readonly ProxyCacheNode[], image: string): NodePulls | undefined {
  const routes = nodePullRoutes(proxies, image);
  return routes === undefined ? undefined : Object.fromEntries(Object.entries(routes).map(([runtime, pull]) => [runtime, pull.text]));
}
