import { beforeAll, describe, expect, it } from "vitest";
import { compileKyverno } from "./compile-example.ts";
import { schemaErrors, schemasAvailable, validator } from "./schemas.ts";

/** Each group is compiled on its own: policies compiled together must also work together. */
const sources = [
  ["policies/proxy-cache.policy.ts"],
  ["test/fixtures/kyverno-private-cel/private-proxy.policy.ts"],
  ["test/fixtures/kyverno-private-cluster/private-cluster.policy.ts"],
  ["test/fixtures/kyverno-two-policies/proxy.policy.ts", "test/fixtures/kyverno-two-policies/team.policy.ts"],
];

describe.runIf(schemasAvailable)("kyverno: every emitted document against the strict upstream schemas", () => {
  const documents: { name: string; document: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    for (const policyType of ["ClusterPolicy", "CEL"] as const) {
      for (const group of sources) {
        const { files } = await compileKyverno(group, policyType);
        for (const [file, parsed] of files) if (file.startsWith("kubernetes/kyverno/")) for (const document of parsed) documents.push({ name: `${policyType} ${file}`, document });
      }
    }
  });

  it("emits every policy's documents in both policy types, the pull Secret copy included", () => {
    const emitted = (type: string, rewrite: string, allowlist: string) => [
      ...["private-cluster", "private-proxy", "proxy-cache", "proxy"].flatMap((name) => [`${type} kubernetes/kyverno/${name}-allowlist.yaml ${allowlist}`, `${type} kubernetes/kyverno/${name}-rewrite.yaml ${rewrite}`]),
      `${type} kubernetes/kyverno/team-allowlist.yaml ${allowlist}`,
    ];
    expect(documents.map(({ name, document }) => `${name} ${String(document["kind"])}`).sort()).toEqual(
      [
        ...emitted("CEL", "MutatingPolicy", "ValidatingPolicy"),
        ...emitted("ClusterPolicy", "ClusterPolicy", "ClusterPolicy"),
        "ClusterPolicy kubernetes/kyverno/private-cluster-pull-secret.yaml ClusterPolicy",
        "ClusterPolicy kubernetes/kyverno/private-proxy-pull-secret.yaml ClusterPolicy",
        "CEL kubernetes/kyverno/private-cluster-pull-secret.yaml GeneratingPolicy",
        "CEL kubernetes/kyverno/private-proxy-pull-secret.yaml GeneratingPolicy",
      ].sort(),
    );
  });

  it("every document validates", () => {
    for (const { name, document } of documents) expect(schemaErrors(document), name).toEqual([]);
  });

  it("the schemas are strict enough to catch a misspelt field", () => {
    const first = documents.find(({ document }) => document["kind"] === "ClusterPolicy")?.document as { spec: Record<string, unknown> };
    const validate = validator("ClusterPolicy");
    expect(validate({ ...first, spec: { ...first.spec, webhookConfiguraton: {} } })).toBe(false);
  });
});
