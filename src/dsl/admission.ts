/**
 * How admission treats an image from a registry that is not allowed.
 *
 * @example
 * admission: { mode: "Audit" } // report images from other registries, admit them anyway
 */
export type AdmissionMode = "Enforce" | "Audit";

/**
 * Which registries workloads may pull from. The proxy cache's host is always allowed.
 *
 * @example
 * { mode: "Enforce", allow: ["registry.internal.myco.com:5000"], excludeNamespaces: ["kube-system"] }
 */
export interface Admission {
  /**
   * `Enforce` rejects Pods with images from other registries; `Audit` only reports them.
   * @default "Enforce"
   */
  readonly mode?: AdmissionMode;
  /** Internal registries (host, or host/path prefix) allowed besides the proxy cache. */
  readonly allow?: readonly string[];
  /** Namespaces left alone, e.g. `"kube-system"`: their Pods are neither rewritten nor checked. */
  readonly excludeNamespaces?: readonly string[];
  /**
   * What the API server does when the admission webhook cannot be reached.
   * @default "Fail"
   */
  readonly failurePolicy?: "Fail" | "Ignore";
  /**
   * Webhook timeout in seconds (1–30).
   * @default 10
   */
  readonly timeoutSeconds?: number;
}
