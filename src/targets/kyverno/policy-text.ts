import type { AdmissionNode, PolicyNode, ProxyCacheNode } from "../../ir/model.js";
import { allowedPrefixes } from "./allowed-prefixes.js";
import type { KubernetesDocument } from "./kubernetes-document.js";

/** The Kyverno policies a regfence policy becomes; each is a file and an object named after the policy and its role. */
export type PolicyRole = "rewrite" | "allowlist" | "pull-secret";

/** Object names of the policies a regfence policy becomes (cluster-wide, so prefixed by the policy name). */
export function policyObjectName(policy: PolicyNode, role: PolicyRole): string {
  return `${policy.name}-${role}`;
}

/** Labels on every emitted policy, so `kubectl get clusterpolicy -l …` finds them. */
export function policyLabels(policy: PolicyNode): Record<string, string> {
  return { "app.kubernetes.io/managed-by": "regfence", "app.kubernetes.io/instance": policy.name };
}

export function rewriteDescription(proxy: ProxyCacheNode): string {
  const upstreams = proxy.upstreams.map((upstream) => `${upstream.registry} → ${proxy.host}/${upstream.project}/`).join(", ");
  return `Rewrites images of approved upstream registries to the Harbor proxy cache ${proxy.host} (${upstreams}), keeping tags and digests. Images already on the proxy, from other registries or not valid references are left alone.`;
}

/** The denial message: it names what is allowed, so a user knows where to pull from. */
export function allowlistMessage(admission: AdmissionNode, proxy: ProxyCacheNode | null): string {
  const rewritten = proxy === null || proxy.upstreams.length === 0 ? "" : ` Images from ${proxy.upstreams.map((upstream) => upstream.registry).join(", ")} are rewritten to ${proxy.host}/ first.`;
  return `Images must come from ${allowedPrefixes(admission).join(" or ")}.${rewritten}`;
}

/** The metadata of the policy copying the pull Secret, whichever policy type copies it. */
export function pullSecretCopyMetadata(policy: PolicyNode, secret: string, namespace: string, minVersion: string): KubernetesDocument["metadata"] {
  return {
    name: policyObjectName(policy, "pull-secret"),
    labels: policyLabels(policy),
    annotations: {
      "policies.kyverno.io/title": `Copy the pull secret ${secret} into every namespace`,
      "policies.kyverno.io/subject": "Secret",
      "policies.kyverno.io/minversion": minVersion,
      "policies.kyverno.io/description": pullSecretCopyDescription(secret, namespace),
    },
  };
}

/** The namespaces the copy skips: the source's, and those admission excludes (their Pods never get the pull secret). */
export function namespacesNotCopiedTo(namespace: string, admission: AdmissionNode | null): string[] {
  return [...new Set([namespace, ...(admission?.excludeNamespaces ?? [])])].sort();
}

function pullSecretCopyDescription(secret: string, namespace: string): string {
  return `Copies the pull Secret ${secret} from namespace ${namespace} into every other namespace whose Pods get it as imagePullSecrets, and keeps the copies in sync. Kyverno's background controller creates the copies, so it must be allowed to manage Secrets.`;
}

export const invalidReferenceMessage = "Every image must be a valid reference ([host[:port]/]path[:tag][@digest], lowercase path).";
