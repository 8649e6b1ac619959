import type { PolicyNode } from "../../ir/model.js";
import { policyLabels } from "./policy-text.js";

export interface ClusterRole {
  readonly apiVersion: "rbac.authorization.k8s.io/v1";
  readonly kind: "ClusterRole";
  readonly metadata: { readonly name: string; readonly labels: Record<string, string> };
  readonly rules: readonly { readonly apiGroups: readonly string[]; readonly resources: readonly string[]; readonly verbs: readonly string[] }[];
}

/** Where the RBAC goes: a directory of its own, applied before the policies that need it. */
export const kyvernoRbacDirectory = "kubernetes/kyverno-rbac";

/**
 * The permissions Kyverno checks before it accepts a synchronized clone of a Secret
 * (`pkg/validation/policy/actions.go`): its background controller creates, updates and deletes
 * the copies, its admission controller reads the source. Kyverno's Helm chart grants neither
 * Secrets cluster-wide, so two ClusterRoles join the controllers' roles through Kyverno's
 * aggregation labels (kyverno.io/docs/installation/customization, "Customizing permissions").
 */
export function secretCopyRoles(policy: PolicyNode): ClusterRole[] {
  const role = (controller: "background" | "admission", verbs: readonly string[]): ClusterRole => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: `regfence:${policy.name}:${controller}-secrets`, labels: { ...policyLabels(policy), [`rbac.kyverno.io/aggregate-to-${controller}-controller`]: "true" } },
    rules: [{ apiGroups: [""], resources: ["secrets"], verbs: [...verbs] }],
  });
  return [role("background", ["get", "list", "watch", "create", "update", "patch", "delete"]), role("admission", ["get", "list", "watch"])];
}
