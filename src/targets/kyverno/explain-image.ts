import { isDockerHub, upstreamNamed } from "../../ir/build-proxy-cache.js";
import { assertNever } from "../../ir/assert-never.js";
import { formatImageReference, type ImageReference, parseImageReference } from "../../ir/docker-reference.js";
import type { SourceAnchor } from "../../diagnostics/source-anchor.js";
import type { AdmissionNode, PolicyNode, ProxyCacheNode, UpstreamNode } from "../../ir/model.js";
import { deniesPods } from "./admission-modes.js";
import { allowedPrefixes, allowedPrefixOf } from "./allowed-prefixes.js";
import { ruleNames } from "./rule-names.js";

/** What the cluster does with one image: the row `regfence explain --format json` prints. */
export interface Explanation {
  /** The policy that decided: the first whose allowlist denies the image, else the first that admits it, else the one that rewrote it. */
  readonly policy: string;
  readonly image: string;
  /** The image after the rewrites; equal to `image` when nothing changes. */
  readonly rewritten: string;
  readonly admitted: boolean;
  /** The rules that decided, in words; each policy's part starts with its name when several took part. */
  readonly reason: string;
}

/** One policy's part in a decision. */
export interface Step {
  readonly policy: string;
  readonly says: string;
}

export interface ImageDecision extends Explanation {
  /** Each policy's part (its rewrite, then its allowlist), policy by policy. */
  readonly steps: readonly Step[];
  /** The proxy cache and upstream that serve the rewritten image; undefined when it was not rewritten. */
  readonly servedBy: { readonly proxy: ProxyCacheNode; readonly upstream: UpstreamNode } | undefined;
}

/** An image from `registry` (a host, or a host and path prefix), to show or compare its fate. */
export const probeImage = (registry: string): string => `${registry}/example/app:1.0`;

/** An image from each registry a policy proxies or allows, with where the policy names the registry. */
export function registryProbes(policy: PolicyNode): { readonly registry: string; readonly image: string; readonly upstream: boolean; readonly source: SourceAnchor }[] {
  const registries = [
    ...(policy.proxyCache?.upstreams ?? []).map((upstream) => ({ registry: upstream.registry, upstream: true, source: upstream.source })),
    ...(policy.admission?.allow ?? []).map((allowed) => ({ registry: `${allowed.host}${allowed.pathPrefix === null ? "" : `/${allowed.pathPrefix.replace(/\/$/, "")}`}`, upstream: false, source: allowed.source })),
  ];
  return registries.map((probe) => ({ ...probe, image: probeImage(probe.registry) }));
}

/** Whether `regfence explain` has anything to say about a policy. */
export function hasImageRules(policy: PolicyNode): boolean {
  return policy.proxyCache !== null || policy.admission !== null;
}

/**
 * The decision the emitted Kyverno policies make together for a Pod created in `namespace` running
 * `image`. As in the cluster, every policy applies outside the namespaces it excludes: every
 * rewrite first (mutation runs before validation), then every allowlist on the rewritten image,
 * and the Pod is denied when any Enforce allowlist denies it. Rewrites are applied in policy order;
 * validation guarantees the order does not matter (no two proxies rewrite the same image, RF3010).
 * It is written against the parsed reference, independently of the policies' regexes and CEL, so
 * the conformance tests compare three implementations of one model.
 */
export function explainImage(policies: readonly PolicyNode[], image: string, namespace?: string): ImageDecision {
  const active = policies.filter(hasImageRules);
  const excluded = (policy: PolicyNode) => namespace !== undefined && policy.admission !== null && policy.admission.excludeNamespaces.includes(namespace);
  const applying = active.filter((policy) => !excluded(policy));
  const steps: Step[] = active.filter(excluded).map((policy) => ({ policy: policy.name, says: `namespace "${namespace}" is excluded: neither rewritten nor checked` }));
  const parsed = parseImageReference(image);

  let rewritten = image;
  let rewriter: string | undefined;
  let servedBy: ImageDecision["servedBy"];
  const rewriteSteps: Step[] = [];
  if (parsed.ok) {
    const proxied = applying.some((policy) => policy.proxyCache !== null);
    for (const policy of applying) {
      if (policy.proxyCache === null) {
        if (!proxied) rewriteSteps.push({ policy: policy.name, says: "the policy has no proxy cache" });
        continue;
      }
      // Only an earlier rewrite can make the image invalid (too long); no later one applies then.
      const current = parseImageReference(rewritten);
      if (!current.ok) continue;
      const result = rewrite(policy.proxyCache, current.value, rewritten);
      if (result.rewritten !== rewritten) {
        rewriter = policy.name;
        servedBy = result.upstream === undefined ? undefined : { proxy: policy.proxyCache, upstream: result.upstream };
      }
      rewritten = result.rewritten;
      rewriteSteps.push({ policy: policy.name, says: result.step });
    }
  }
  // Once a policy rewrote the image, the others' "not rewritten" says nothing about it.
  steps.push(...rewriteSteps.filter((step) => rewriter === undefined || step.policy === rewriter));

  const checks = applying.flatMap((policy) => (policy.admission === null ? [] : [{ policy, admission: policy.admission }]));
  const verdicts = checks.map(({ policy, admission }) => ({ policy: policy.name, mode: admission.mode, ...check(admission, parsed, rewritten) }));
  if (checks.length === 0) {
    for (const policy of applying) {
      steps.push({ policy: policy.name, says: parsed.ok ? "admitted: the policy has no admission rules" : `not a valid image reference (${parsed.error}): not rewritten, and the policy has no admission rules` });
    }
  }
  steps.push(...verdicts.map(({ policy, says }) => ({ policy, says })));

  const denial = verdicts.find((verdict) => !verdict.passes && deniesPods[verdict.mode]);
  const decider = denial?.policy ?? verdicts[0]?.policy ?? rewriter ?? applying[0]?.name ?? active[0]?.name;
  if (decider === undefined) throw new Error("explainImage needs a policy with a proxy cache or admission rules");
  const byPolicy = active.flatMap((policy) => steps.filter((step) => step.policy === policy.name));
  return { policy: decider, image, rewritten, admitted: denial === undefined, reason: reasonOf(byPolicy), steps: byPolicy, servedBy };
}

/** One allowlist's verdict on the image the rewrites produced. */
function check(admission: AdmissionNode, original: ReturnType<typeof parseImageReference>, rewritten: string): { passes: boolean; says: string } {
  const failed = (rule: string, problem: string) => ({ passes: false, says: deniedBy(rule, problem, admission.mode) });
  if (!original.ok) return failed(ruleNames.validReferences, `not a valid image reference (${original.error})`);
  const checked = parseImageReference(rewritten);
  if (!checked.ok) return failed(ruleNames.validReferences, `the rewritten reference is not valid (${checked.error})`);
  const prefix = allowedPrefixOf(admission, rewritten);
  if (prefix !== undefined) return { passes: true, says: `admitted by rule ${ruleNames.allowedRegistries}: on ${prefix}` };
  return failed(ruleNames.allowedRegistries, `not on an allowed registry (${allowedPrefixes(admission).join(", ")})`);
}

function deniedBy(rule: string, problem: string, mode: AdmissionNode["mode"]): string {
  switch (mode) {
    case "Enforce":
      return `denied by rule ${rule}: ${problem}`;
    case "Audit":
      return `violates rule ${rule}: ${problem}; admitted because admission is in Audit mode`;
    default:
      return assertNever(mode);
  }
}

/** Consecutive steps of one policy, as `{ policy, says: [...] }`. */
export function groupSteps(steps: readonly Step[]): { policy: string; says: string[] }[] {
  const groups: { policy: string; says: string[] }[] = [];
  for (const step of steps) {
    const last = groups.at(-1);
    if (last !== undefined && last.policy === step.policy) last.says.push(step.says);
    else groups.push({ policy: step.policy, says: [step.says] });
  }
  return groups;
}

/** The steps in words: plain when one policy took part, each policy's part named otherwise. */
function reasonOf(steps: readonly Step[]): string {
  if (new Set(steps.map((step) => step.policy)).size === 1) return steps.map((step) => step.says).join("; ");
  return groupSteps(steps).map(({ policy, says }) => `policy ${policy}: ${says.join("; ")}`).join("; ");
}

/** `<proxy>/<project>/[library/]<path>`, tag and digest as they were, for images of an approved upstream. */
function rewrite(proxy: ProxyCacheNode, reference: ImageReference, image: string): { rewritten: string; step: string; upstream?: UpstreamNode } {
  if (reference.domain === proxy.host) return { rewritten: image, step: `already on the proxy cache ${proxy.host}: not rewritten` };
  const upstream = upstreamNamed(proxy, reference.domain);
  if (upstream === undefined) {
    const registry = reference.domain ?? "docker.io";
    return { rewritten: image, step: `${registry} is not an approved upstream: not rewritten` };
  }
  const library = proxy.dockerHubLibraryPrefix && isDockerHub(upstream) && !reference.path.includes("/") ? "library/" : "";
  const rewritten = formatImageReference({ ...reference, domain: proxy.host, path: `${upstream.project}/${library}${reference.path}` });
  const from = reference.domain === undefined ? `${upstream.registry} (implied)` : reference.domain;
  return { rewritten, step: `rewritten by rule ${ruleNames.rewrite}: ${from} is proxied by project ${upstream.project}`, upstream };
}
