import { describe, expect, it } from "vitest";
import { compileKyverno } from "./compile-example.ts";

/** Audit F3/F4: what CEL mode needs from the cluster is stated in the output and in a diagnostic. */
describe("CEL policy type", () => {
  it("marks every document with its minimum Kyverno version, 1.17.0 (policies.kyverno.io/v1)", async () => {
    const { files } = await compileKyverno(["test/fixtures/kyverno-private-cluster/private-cluster.policy.ts"], "CEL");
    const policies = [...files.entries()].filter(([file]) => file.startsWith("kubernetes/kyverno/")).flatMap(([, documents]) => documents);
    expect(policies.map((document) => document["kind"]).sort()).toEqual(["GeneratingPolicy", "MutatingPolicy", "ValidatingPolicy"]);
    for (const document of policies) {
      expect(document["apiVersion"]).toBe("policies.kyverno.io/v1");
      expect((document["metadata"] as { annotations: Record<string, string> }).annotations["policies.kyverno.io/minversion"]).toBe("1.17.0");
    }
  });

  it("warns that MutatingPolicies are not re-invoked (RF3017), and says what to do; ClusterPolicies are", async () => {
    const cel = await compileKyverno(["policies/proxy-cache.policy.ts"], "CEL");
    expect(cel.diagnostics.filter((diagnostic) => diagnostic.code === "RF3017")).toEqual([
      expect.objectContaining({ severity: "warning", message: expect.stringContaining("does not re-invoke MutatingPolicies"), hint: expect.stringContaining('"ClusterPolicy"') }),
    ]);
    const cluster = await compileKyverno(["policies/proxy-cache.policy.ts"], "ClusterPolicy");
    expect(cluster.diagnostics.map((diagnostic) => diagnostic.code)).not.toContain("RF3017");
  });
});
