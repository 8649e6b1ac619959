import { describe, expect, it } from "vitest";
import { compileKyverno } from "./compile-example.ts";

/**
 * Audit F2: before Kyverno accepts a synchronized clone of a Secret, its policy webhook asks the
 * API server whether its controllers may handle Secrets (`pkg/validation/policy/actions.go`,
 * `pkg/policy/generate/validate.go` canIGenerate): the background controller needs
 * get/create/update/delete, the admission controller get/list. The Helm chart's roles grant
 * neither Secrets cluster-wide, so the policy is refused unless aggregated ClusterRoles add them.
 */
type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
type Role = { kind: string; metadata: { labels?: Record<string, string> }; rules: Rule[] };

const needed = { background: ["get", "create", "update", "delete"], admission: ["get", "list"] } as const;

/** What Kyverno's check answers for a cluster holding the chart's roles plus `roles` (aggregated by label). */
function kyvernoAcceptsSecretClone(roles: readonly Role[]): boolean {
  return (Object.keys(needed) as (keyof typeof needed)[]).every((controller) => {
    const granted = roles
      .filter((role) => role.kind === "ClusterRole" && role.metadata.labels?.[`rbac.kyverno.io/aggregate-to-${controller}-controller`] === "true")
      .flatMap((role) => role.rules)
      .filter((rule) => rule.apiGroups.includes("") && rule.resources.includes("secrets"))
      .flatMap((rule) => rule.verbs);
    return needed[controller].every((verb) => granted.includes(verb));
  });
}

describe.each(["ClusterPolicy", "CEL"] as const)("%s: the pull-secret copy comes with the RBAC Kyverno checks", (policyType) => {
  it("is refused on a default install without it, accepted with the emitted roles, and the summary says to apply them first", async () => {
    const { files, notes } = await compileKyverno(["test/fixtures/kyverno-private-cluster/private-cluster.policy.ts"], policyType);
    expect(files.has("kubernetes/kyverno/private-cluster-pull-secret.yaml")).toBe(true);
    expect(kyvernoAcceptsSecretClone([])).toBe(false);
    const roles = files.get("kubernetes/kyverno-rbac/private-cluster-pull-secret.yaml") as unknown as Role[];
    expect(roles.map((role) => role.kind)).toEqual(["ClusterRole", "ClusterRole"]);
    expect(kyvernoAcceptsSecretClone(roles)).toBe(true);
    expect(notes).toContainEqual(expect.stringMatching(/^apply kubernetes\/kyverno-rbac\/ before kubernetes\/kyverno\/.*private-cluster/));
  });

  it("emits no RBAC for a policy that copies no Secret", async () => {
    const { files, notes } = await compileKyverno(["policies/proxy-cache.policy.ts"], policyType);
    expect([...files.keys()].filter((file) => file.startsWith("kubernetes/kyverno-rbac/"))).toEqual([]);
    expect(notes.filter((note) => note.includes("kyverno-rbac"))).toEqual([]);
  });
});
