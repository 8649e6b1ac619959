import { dockerHubHosts } from "../../ir/build-proxy-cache.js";
import type { ProxyCacheNode } from "../../ir/model.js";
import { impliedDockerHubPath, onHosts } from "./reference-regexes.js";

/**
 * One rewrite: an image matching `match` (anchored, its one group the part kept) becomes `prefix`
 * followed by that part. `stripHost` says whether the part kept starts after the first `/`.
 */
export interface RewriteStep {
  readonly match: string;
  readonly prefix: string;
  readonly stripHost: boolean;
}

/**
 * How a proxy cache rewrites, shared by the ClusterPolicy and CEL emitters. The steps run in
 * order on an image already known to be valid and from an approved upstream; each step's output
 * starts with the proxy host, which no later step matches, so exactly one step applies.
 */
export interface RewritePlan {
  /** Hosts of approved upstreams, aliases included, sorted. */
  readonly hosts: readonly string[];
  /** Whether images naming no host (Docker Hub implied) are approved. */
  readonly impliedDockerHub: boolean;
  readonly steps: readonly RewriteStep[];
}

export function rewritePlan(proxy: ProxyCacheNode): RewritePlan {
  const steps: RewriteStep[] = [];
  let impliedDockerHub = false;
  const toProject = (project: string): string => `${proxy.host}/${project}/`;
  for (const upstream of proxy.upstreams) {
    const hosts = onHosts([upstream.registry, ...upstream.aliases].sort());
    const prefix = toProject(upstream.project);
    const library = proxy.dockerHubLibraryPrefix && dockerHubHosts.includes(upstream.registry);
    if (library) {
      steps.push({ match: `${hosts}([^/]+/.+)$`, prefix, stripHost: true }, { match: `${hosts}([^/]+)$`, prefix: `${prefix}library/`, stripHost: true });
    } else {
      steps.push({ match: `${hosts}(.+)$`, prefix, stripHost: true });
    }
  }
  // Implied Docker Hub last: earlier outputs start with the proxy host, which has a `.` or `:`.
  const hub = proxy.upstreams.find((upstream) => dockerHubHosts.includes(upstream.registry));
  if (hub !== undefined) {
    impliedDockerHub = true;
    const prefix = toProject(hub.project);
    const path = `${impliedDockerHubPath.slice(1)}.+`;
    if (proxy.dockerHubLibraryPrefix) {
      steps.push({ match: `^(${path})$`, prefix, stripHost: false }, { match: "^([^/]+)$", prefix: `${prefix}library/`, stripHost: false });
    } else {
      steps.push({ match: `^(${path}|[^/]+)$`, prefix, stripHost: false });
    }
  }
  const hosts = proxy.upstreams.flatMap((upstream) => [upstream.registry, ...upstream.aliases]).sort();
  return { hosts, impliedDockerHub, steps };
}
