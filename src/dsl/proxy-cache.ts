import { type CallSite, definedAt, stamp } from "./call-site.js";
import type { Credential } from "./credential.js";
import type { SecretSource } from "./secret-source.js";

/**
 * The kind of registry Harbor's registry endpoint speaks to (Harbor's `type`). regfence infers it
 * for well-known hosts (Docker Hub, GHCR, Quay, GCR, ACR, registry.k8s.io, …); any OCI registry
 * can be `docker-registry`.
 *
 * @example
 * provider: "docker-registry"
 */
export type HarborProvider = "docker-hub" | "docker-registry" | "github-ghcr" | "quay" | "google-gcr" | "aws-ecr" | "azure-acr" | "ali-acr" | "jfrog-artifactory" | "harbor";

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
      /**
       * The kind of registry, for Harbor's registry endpoint.
       * @default inferred from the host (an error for a host regfence does not know)
       */
      readonly provider?: HarborProvider;
      /** The upstream's URL, for Harbor's registry endpoint. @default `https://<registry>` (Docker Hub: `https://hub.docker.com`) */
      readonly url?: string;
      /** Credentials Harbor pulls from the upstream with (rate limits, private images): never literals. */
      readonly credentials?: { readonly username: SecretSource; readonly password: SecretSource };
    };

/**
 * The settings of the proxy-cache projects regfence provisions in Harbor.
 *
 * @example
 * projects: { public: true, proxySpeedKb: 10240, localOnNotFound: true }
 */
export interface HarborProjectSettings {
  /** Anyone may pull (no pull secret needed, e.g. for node mirrors). @default false */
  readonly public?: boolean;
  /** Upstream bandwidth per project in kbit/s (Harbor 2.12 or later). @default unlimited */
  readonly proxySpeedKb?: number;
  /** Serve the cached copy when the upstream answers 404 (Harbor 2.15.1 or later). @default false */
  readonly localOnNotFound?: boolean;
}

/**
 * A robot account regfence creates in Harbor to pull from the proxy projects; `regfence apply
 * harbor` gives it, as its secret, the password `credential` reads.
 *
 * @example
 * robot: { name: "kube-pull", credential: harborPull }
 */
export interface HarborRobot {
  /** The robot's name; Harbor calls it `robot$<name>`. */
  readonly name: string;
  /** The pull credential the robot's secret feeds (its username is `robot$<name>`). */
  readonly credential: Credential;
}

/**
 * A container runtime (or the distribution that configures it) whose node-level mirror
 * configuration regfence emits: containerd's `certs.d`, CRI-O's `registries.conf.d`, k3s/RKE2's
 * `registries.yaml`, a Talos machine-config patch.
 *
 * @example
 * runtimes: ["containerd", "cri-o"]
 */
export type NodeRuntime = "containerd" | "cri-o" | "k3s" | "talos";

/**
 * Node mirrors: each runtime pulls an upstream's images from its Harbor project itself, so static
 * Pods, pulls while the admission webhook is down and clusters without Kyverno use the cache too.
 *
 * @example
 * nodeMirrors: { strict: true, caFile: "/etc/pki/harbor-ca.crt" }
 */
export interface NodeMirrors {
  /** The runtimes to emit configs for. @default ["containerd", "cri-o", "k3s", "talos"] */
  readonly runtimes?: readonly NodeRuntime[];
  /**
   * Never pull from the upstream itself: containerd's only server is the mirror, CRI-O blocks the
   * upstream, Talos skips the fallback (k3s needs `--disable-default-registry-endpoint`), so a
   * failing proxy fails the pull instead of silently going to the internet.
   * @default false
   */
  readonly strict?: boolean;
  /** The proxy's CA certificate, as an absolute path on the node. @default the node's trust store */
  readonly caFile?: string;
  /** The registry URL nodes pull from. @default `https://<host>` */
  readonly endpoint?: string;
}

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
  /** The Harbor API's base URL. @default `https://<host>` */
  readonly api?: string;
  /**
   * The Harbor version provisioned (`"2.15"` or `"2.15.1"`): which registry types may back a proxy
   * cache, which project settings exist, and whether Harbor adds Docker Hub's `library/` itself.
   * @default "2.15.1"
   */
  readonly harborVersion?: string;
  /** The proxy-cache projects' settings. */
  readonly projects?: HarborProjectSettings;
  /** A read-only robot account to pull with. */
  readonly robot?: HarborRobot;
  /** Emit the container runtimes' own mirror configuration for this proxy cache (target `nodes`). */
  readonly nodeMirrors?: NodeMirrors;
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
