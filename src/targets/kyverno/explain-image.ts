import { dockerHubHosts } from "../../ir/build-proxy-cache.js";
import { formatImageReference, type ImageReference, parseImageReference } from "../../ir/docker-reference.js";
import type { PolicyNode, ProxyCacheNode, UpstreamNode } from "../../ir/model.js";
import { allowedPrefixes } from "./allowed-prefixes.js";
import { ruleNames } from "./rule-names.js";

/** What one policy does to one image: the row `regfence explain --format json` prints. */
export interface Explanation {
  readonly policy: string;
  readonly image: string;
  /** The image after the rewrite; equal to `image` when nothing changes. */
  readonly rewritten: string;
  readonly admitted: boolean;
  /** The rules that decided, in words. */
  readonly reason: string;
}

/** Whether `regfence explain` has anything to say about a policy. */
export function hasImageRules(policy: PolicyNode): boolean {
  return policy.proxyCache !== null || policy.admission !== null;
}

/**
 * The decision the emitted Kyverno policies make for a Pod in `namespace` running `image`: the
 * rewrite first (mutation runs before validation), then admission of the rewritten image. It is
 * written against the parsed reference, independently of the policies' regexes and CEL, so the
 * conformance tests compare three implementations of one model.
 */
export function explainImage(policy: PolicyNode, image: string, namespace?: string): Explanation {
  const explanation = (rewritten: string, admitted: boolean, reason: string): Explanation => ({ policy: policy.name, image, rewritten, admitted, reason });
  const { proxyCache, admission } = policy;
  if (namespace !== undefined && admission !== null && admission.excludeNamespaces.includes(namespace)) {
    return explanation(image, true, `namespace "${namespace}" is excluded: neither rewritten nor checked`);
  }
  const parsed = parseImageReference(image);
  if (!parsed.ok) {
    return admission === null
      ? explanation(image, true, `not a valid image reference (${parsed.error}): not rewritten, and the policy has no admission rules`)
      : explanation(image, admission.mode === "Audit", deniedBy(ruleNames.validReferences, `not a valid image reference (${parsed.error})`, admission.mode));
  }
  const { rewritten, step } = proxyCache === null ? { rewritten: image, step: "the policy has no proxy cache" } : rewrite(proxyCache, parsed.value, image);
  if (admission === null) return explanation(rewritten, true, `${step}; admitted: the policy has no admission rules`);
  const checked = parseImageReference(rewritten);
  if (!checked.ok) {
    return explanation(rewritten, admission.mode === "Audit", `${step}; ${deniedBy(ruleNames.validReferences, `the rewritten reference is not valid (${checked.error})`, admission.mode)}`);
  }
  const prefixes = allowedPrefixes(admission);
  const prefix = prefixes.find((candidate) => rewritten.startsWith(candidate));
  if (prefix !== undefined) return explanation(rewritten, true, `${step}; admitted by rule ${ruleNames.allowedRegistries}: on ${prefix}`);
  const allowed = prefixes.join(", ");
  return explanation(rewritten, admission.mode === "Audit", `${step}; ${deniedBy(ruleNames.allowedRegistries, `not on an allowed registry (${allowed})`, admission.mode)}`);
}

function deniedBy(rule: string, problem: string, mode: "Enforce" | "Audit"): string {
  return mode === "Enforce" ? `denied by rule ${rule}: ${problem}` : `violates rule ${rule}: ${problem}; admitted because admission is in Audit mode`;
}

/** `<proxy>/<project>/[library/]<path>`, tag and digest as they were, for images of an approved upstream. */
function rewrite(proxy: ProxyCacheNode, reference: ImageReference, image: string): { rewritten: string; step: string } {
  if (reference.domain === proxy.host) return { rewritten: image, step: `already on the proxy cache ${proxy.host}: not rewritten` };
  const upstream = proxy.upstreams.find((candidate) =>
    reference.domain === undefined ? isDockerHub(candidate) : [candidate.registry, ...candidate.aliases].includes(reference.domain),
  );
  if (upstream === undefined) {
    const registry = reference.domain ?? "docker.io";
    return { rewritten: image, step: `${registry} is not an approved upstream: not rewritten` };
  }
  const library = proxy.dockerHubLibraryPrefix && isDockerHub(upstream) && !reference.path.includes("/") ? "library/" : "";
  const rewritten = formatImageReference({ ...reference, domain: proxy.host, path: `${upstream.project}/${library}${reference.path}` });
  const from = reference.domain === undefined ? `${upstream.registry} (implied)` : reference.domain;
  return { rewritten, step: `rewritten by rule ${ruleNames.rewrite}: ${from} is proxied by project ${upstream.project}` };
}

function isDockerHub(upstream: UpstreamNode): boolean {
  return dockerHubHosts.includes(upstream.registry);
}
