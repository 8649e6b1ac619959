import { dockerHubHosts } from "../../ir/build-proxy-cache.js";
import type { Findings } from "../../diagnostics/finding.js";
import type { PolicyNode, ProxyCacheNode, UpstreamNode } from "../../ir/model.js";
import { deniesPods } from "./admission-modes.js";
import { admitsSomeOf, allowedPrefixes, commonPrefixes } from "./allowed-prefixes.js";

/**
 * Checks between policies. In the cluster every rewrite policy applies to every Pod, in no fixed
 * order (Kyverno orders rules within a policy, not policies), and every allowlist must admit it:
 * policies that are each fine can together rewrite an image two ways or deny every Pod.
 */
export function checkPolicyInteractions(policies: readonly PolicyNode[], findings: Findings): void {
  const proxies = policies.flatMap((policy) => (policy.proxyCache === null ? [] : [{ policy, proxy: policy.proxyCache }]));
  checkRewrites(proxies, findings);
  checkAllowlists(policies, proxies, findings);
}

interface Proxied {
  readonly policy: PolicyNode;
  readonly proxy: ProxyCacheNode;
}

const hostsOf = (upstream: UpstreamNode): readonly string[] => [upstream.registry, ...upstream.aliases];

/** Where a proxy sends an upstream's images; two proxies rewriting alike are no conflict. */
function destination(proxy: ProxyCacheNode, upstream: UpstreamNode): string {
  const library = proxy.dockerHubLibraryPrefix && dockerHubHosts.includes(upstream.registry) ? " (adding library/ to single names)" : "";
  return `${proxy.host}/${upstream.project}/${library}`;
}

/**
 * RF3010: two proxies rewriting the same upstream differently (whichever runs first wins, so the
 * result is arbitrary and the other policy's allowlist may deny it), or one proxy rewriting images
 * from another's host (a second rewrite on webhook re-invocation, in either order).
 */
function checkRewrites(proxies: readonly Proxied[], findings: Findings): void {
  for (const [index, later] of proxies.entries()) {
    for (const earlier of proxies.slice(0, index)) {
      for (const upstream of later.proxy.upstreams) {
        const other = earlier.proxy.upstreams.find((candidate) => hostsOf(candidate).some((host) => hostsOf(upstream).includes(host)));
        if (other === undefined || destination(earlier.proxy, other) === destination(later.proxy, upstream)) continue;
        findings.error(
          "RF3010",
          upstream.source,
          `${upstream.registry} is also proxied by policy "${earlier.policy.name}", to ${destination(earlier.proxy, other)} instead of ${destination(later.proxy, upstream)}: Kyverno applies every rewrite policy to every Pod in no fixed order, so its images would go to whichever runs first`,
          "proxy each upstream in one policy only",
        );
      }
    }
  }
  // Each pull-secret rule adds its Secret to Pods with images on its host, including images
  // another policy rewrote there: with different pull secrets, which one a Pod gets depends on the
  // order the policies run in.
  for (const [index, later] of proxies.entries()) {
    const earlier = proxies.slice(0, index).find(({ proxy }) => proxy.host === later.proxy.host && proxy.pullSecret !== later.proxy.pullSecret);
    if (earlier === undefined) continue;
    const secret = (proxy: ProxyCacheNode): string => (proxy.pullSecret === null ? "no pull secret" : `pull secret "${proxy.pullSecret}"`);
    findings.error(
      "RF3016",
      later.proxy.source,
      `policy "${earlier.policy.name}" uses the same proxy cache ${later.proxy.host} with ${secret(earlier.proxy)}, this one with ${secret(later.proxy)}: whether a Pod gets a pull secret would depend on the order Kyverno runs the policies in`,
      "give every policy that uses this proxy cache the same pullSecret, or declare the proxy cache in one policy",
    );
  }
  for (const { policy, proxy } of proxies) {
    for (const upstream of proxy.upstreams) {
      for (const other of proxies) {
        if (other.proxy.host === proxy.host || !hostsOf(upstream).includes(other.proxy.host)) continue;
        findings.error(
          "RF3010",
          upstream.source,
          `${other.proxy.host} is the proxy cache of policy "${other.policy.name}": the images it rewrites onto ${other.proxy.host} would be rewritten again by policy "${policy.name}", onto ${proxy.host}`,
          "remove it from upstreams: an image goes through one proxy cache",
        );
      }
    }
  }
}

/**
 * Allowlists intersect: an image is admitted only if every Enforce allowlist allows it.
 * RF3011 (error) when no image can pass them all, or when one denies every image another policy's
 * proxy cache rewrites from some upstream; RF3012 (warning) whenever several policies declare
 * admission, naming what passes all of them, since a policy read alone suggests more.
 */
function checkAllowlists(policies: readonly PolicyNode[], proxies: readonly Proxied[], findings: Findings): void {
  const checked = policies.flatMap((policy) => (policy.admission === null ? [] : [{ policy, admission: policy.admission, prefixes: allowedPrefixes(policy.admission) }]));
  const enforced = checked.filter(({ admission }) => deniesPods[admission.mode]);
  const names = (list: readonly { policy: PolicyNode }[]) => list.map(({ policy }) => `"${policy.name}"`).join(", ");
  if (enforced.length > 1 && commonPrefixes(enforced.map(({ prefixes }) => prefixes)).length === 0) {
    const allows = enforced.map(({ policy, prefixes }) => `"${policy.name}" allows ${prefixes.join(", ")}`).join("; ");
    for (const { admission } of enforced.slice(1)) {
      findings.error(
        "RF3011",
        admission.source,
        `the Enforce allowlists of policies ${names(enforced)} have no registry in common: every allowlist applies to every Pod, so every Pod would be denied (${allows})`,
        "declare admission in one policy only, allowing every registry workloads may pull from",
      );
    }
    return;
  }
  for (const { policy, proxy } of proxies) {
    for (const other of enforced) {
      if (other.policy === policy) continue;
      const denied = proxy.upstreams.filter((upstream) => !admitsSomeOf(other.prefixes, `${proxy.host}/${upstream.project}/`));
      if (denied.length === 0) continue;
      findings.error(
        "RF3011",
        other.admission.source,
        `policy "${other.policy.name}" denies every image the proxy cache of policy "${policy.name}" rewrites from ${denied.map((upstream) => upstream.registry).join(", ")} (to ${proxy.host}/): every allowlist applies to every Pod`,
        `allow "${proxy.host}" here too, or declare admission in one policy only`,
      );
    }
  }
  if (checked.length < 2) return;
  const common = commonPrefixes(checked.map(({ prefixes }) => prefixes));
  for (const { policy, admission } of checked.slice(1)) {
    const others = checked.filter((other) => other.policy !== policy);
    findings.warning(
      "RF3012",
      admission.source,
      `admission is also declared by ${others.length === 1 ? "policy" : "policies"} ${names(others)}: every allowlist applies to every Pod, so an image must be allowed by each of them (${common.length === 0 ? "no registry passes all of them" : `together they allow only ${common.join(", ")}`})`,
      "declare admission in one policy only, so one allowlist says what is admitted",
    );
  }
}
