import { type CallSite, definedAt, stamp } from "./call-site.js";

/**
 * What an image must become: where it is pulled from once the policies rewrite it, and whether
 * admission lets it run. Checked with the same semantics as `regfence explain` and the emitted
 * Kyverno policies (every policy's rewrite and allowlist together).
 *
 * @example
 * expectImage("nginx:1.27", { rewrittenTo: "harbor.myco.com/docker.io/nginx:1.27", admitted: true })
 */
export interface ImageExpectation {
  readonly kind: "image-expectation";
  readonly image: string;
  /** The image after the rewrites; the image itself when nothing may rewrite it. */
  readonly rewrittenTo?: string;
  readonly admitted?: boolean;
  /** The namespace the Pod is created in (excluded namespaces are neither rewritten nor judged). */
  readonly namespace?: string;
  /**
   * The host every node runtime of the proxy cache's `nodeMirrors` fetches the image from first,
   * when it reaches a node as written (a static Pod, the webhook down, an excluded namespace).
   */
  readonly nodesPullFrom?: string;
  readonly [definedAt]: CallSite;
}

/**
 * Which enforcement points an address must or must not reach: an OVH registry's
 * `<name>/management` (Harbor UI and API) or `<name>/registry` (docker and helm clients), an Azure
 * Container Registry by its name, or a VCH's `<name>/whitelist` (a registry at the address is one
 * the VCH may pull from, by vic's matching rules). The names are the policy's own, so a misspelt
 * one is a type error.
 *
 * @example
 * expectAddress("192.0.2.10", { reaches: ["mpr-prod/management"], cannotReach: ["mpr-prod/registry"] })
 */
export interface AddressExpectation<Endpoint extends string = string> {
  readonly kind: "address-expectation";
  readonly address: string;
  readonly reaches?: readonly Endpoint[];
  readonly cannotReach?: readonly Endpoint[];
  readonly [definedAt]: CallSite;
}

/**
 * One expectation of a policy's `tests`.
 *
 * @example
 * tests: [expectImage("nginx", { admitted: true }), expectAddress("203.0.113.7", { cannotReach: ["myContainerRegistry"] })]
 */
export type PolicyTest<Endpoint extends string = string> = ImageExpectation | AddressExpectation<Endpoint>;

/**
 * Expects an image to be rewritten to `rewrittenTo` and admitted (or denied). `regfence test`
 * and `regfence compile --check` report a failure at this call, with what happened instead.
 *
 * @example
 * expectImage("velero/velero:v1.6.2", { rewrittenTo: "harbor.myco.com/docker.io/velero/velero:v1.6.2" })
 * expectImage("evil.example.com/x:1", { admitted: false })
 * expectImage("nginx:1.27", { nodesPullFrom: "harbor.myco.com" })
 */
export function expectImage(image: string, expected: Omit<ImageExpectation, "kind" | "image" | typeof definedAt>): ImageExpectation {
  return stamp({ ...expected, kind: "image-expectation" as const, image }, expectImage);
}

/**
 * Expects an address to reach (or not) the listed endpoints of the policy's registries.
 *
 * @example
 * expectAddress("192.0.2.10", { reaches: ["mpr-prod/management", "myContainerRegistry"] })
 */
export function expectAddress<const Endpoint extends string>(address: string, expected: { readonly reaches?: readonly Endpoint[]; readonly cannotReach?: readonly Endpoint[] }): AddressExpectation<Endpoint> {
  return stamp({ ...expected, kind: "address-expectation" as const, address }, expectAddress);
}
