import { beforeAll, describe, expect, it } from "vitest";
import { admitCel, checkApplyConfiguration } from "./cel-engine.ts";
import { compileKyverno, kyvernoDocuments, podWith } from "./compile-example.ts";

/**
 * Audit F1: an apply configuration that sets `imagePullSecrets` touches an atomic struct, which
 * the API server refuses, failing the whole MutatingPolicy (rewrite included). The harness
 * applies the same guard, so the form regfence used to emit fails here as it fails in a cluster.
 */
describe("CEL harness: the API server's guard on apply configurations", () => {
  it("refuses an atomic imagePullSecrets element and accepts granular container fields", () => {
    expect(() => checkApplyConfiguration({ spec: { imagePullSecrets: [{ name: "harbor-robot" }] } })).toThrow("may not mutate atomic arrays, maps or structs: .spec.imagePullSecrets[0]");
    expect(() => checkApplyConfiguration({ spec: { imagePullSecrets: [] } })).not.toThrow();
    expect(() => checkApplyConfiguration({ spec: { containers: [{ name: "app", image: "harbor.myco.com/docker.io/nginx" }] } })).not.toThrow();
  });

  let documents: Record<string, unknown>[] = [];
  beforeAll(async () => {
    documents = kyvernoDocuments(await compileKyverno(["test/fixtures/kyverno-private-cluster/private-cluster.policy.ts"], "CEL"));
  });

  /** The MutatingPolicy with its pull-secret mutation in the apply-configuration form regfence emitted before. */
  function withApplyConfigurationPullSecret(failurePolicy: "Fail" | "Ignore"): Record<string, unknown>[] {
    return documents.map((document) => {
      if (document["kind"] !== "MutatingPolicy") return document;
      const spec = document["spec"] as { mutations: Record<string, unknown>[] };
      const [rewrite] = spec.mutations;
      const applyConfiguration = { expression: "Object{spec: Object.spec{imagePullSecrets: request.operation == 'CREATE' ? [Object.spec.imagePullSecrets{name: 'harbor-pull'}] : []}}" };
      return { ...document, spec: { ...spec, failurePolicy, mutations: [rewrite, { patchType: "ApplyConfiguration", applyConfiguration }] } };
    });
  }

  it("reproduces the fault: the old form denies the Pod under Fail and loses the rewrite under Ignore", () => {
    const request = { operation: "CREATE", namespace: "team-a", object: podWith("nginx", ["containers"]) } as const;
    const failed = admitCel(withApplyConfigurationPullSecret("Fail"), request);
    expect(failed.admitted).toBe(false);
    expect(failed.violations[0]?.message).toContain("may not mutate atomic");
    const ignored = admitCel(withApplyConfigurationPullSecret("Ignore"), request);
    expect((ignored.object["spec"] as { containers: { image: string }[] }).containers[0]?.image).toBe("nginx");
  });

  it("the emitted JSON patch passes: the Pod is rewritten and gets the pull secret", () => {
    const outcome = admitCel(documents, { operation: "CREATE", namespace: "team-a", object: podWith("nginx", ["containers"]) });
    expect(outcome.violations.filter((violation) => violation.rule === "mutation")).toEqual([]);
    expect((outcome.object["spec"] as { imagePullSecrets?: unknown }).imagePullSecrets).toEqual([{ name: "harbor-pull" }]);
  });
});
