import { type CallSite, definedAt, stamp } from "./call-site.js";
import type { Credential } from "./credential.js";

/**
 * An upstream registry fronted by a Harbor proxy-cache project.
 *
 * @example
 * "quay.io"                                  // project "quay.io"
 * { registry: "docker.io", project: "hub" }  // images become harbor.myco.com/hub/…
 */
export type Upstream =
  | string
  | {
      /** The upstream registry host, e.g. `"ghcr.io"`. Docker Hub is `"docker.io"`. */
      readonly registry: string;
      /**
       * The Harbor proxy-cache project for this upstream.
       * @default the upstream's host name
       */
      readonly project?: string;
    };

/**
 * Options of {@link harborProxyCache}.
 *
 * @example
 * { host: "harbor.myco.com", upstreams: ["quay.io", { registry: "docker.io", project: "hub" }], dockerHubLibraryPrefix: true }
 */
export interface HarborProxyCacheOptions {
  /** The Harbor host (and optional port) that workloads pull through, e.g. `"harbor.myco.com"`. */
  readonly host: string;
  /** The upstream registries this Harbor fronts; their images are rewritten to the proxy. */
  readonly upstreams: readonly Upstream[];
  /**
   * Insert `library/` into single-name Docker Hub images (`nginx` → `<host>/docker.io/library/nginx`),
   * which Harbor before 2.7 needs.
   * @default false
   */
  readonly dockerHubLibraryPrefix?: boolean;
  /** A credential whose Secret is added as `imagePullSecrets` when the proxy projects are private. */
  readonly pullSecret?: Credential;
}

/**
 * A Harbor proxy cache and the upstream registries it fronts.
 *
 * @example
 * const proxy: HarborProxyCache = harborProxyCache({ host: "harbor.myco.com", upstreams: ["ghcr.io"] });
 */
export interface HarborProxyCache extends HarborProxyCacheOptions {
  readonly kind: "harbor-proxy-cache";
  readonly [definedAt]: CallSite;
}

/**
 * Declares a Harbor proxy cache. Images from its upstreams are rewritten to
 * `<host>/<project>/<repository>`, tags and digests unchanged.
 *
 * @example
 * harborProxyCache({ host: "harbor.myco.com", upstreams: ["gcr.io", "ghcr.io", "quay.io", "docker.io"] })
 * // nginx:latest → harbor.myco.com/docker.io/nginx:latest
 */
export function harborProxyCache(options: HarborProxyCacheOptions): HarborProxyCache {
  return stamp({ ...options, kind: "harbor-proxy-cache" as const }, harborProxyCache);
}
