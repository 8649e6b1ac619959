import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../helpers/run-cli.ts";
import { compileKyverno } from "./compile-example.ts";

/** Upstream JSON Schemas (../shared/schemas/SOURCES.md): `$REGFENCE_SCHEMAS`, else `../shared/schemas`. */
const schemas = path.resolve(repoRoot, process.env["REGFENCE_SCHEMAS"] ?? "../shared/schemas");
const required = process.env["REGFENCE_REQUIRE_SCHEMAS"] === "1";
const available = existsSync(path.join(schemas, "kyverno.io", "clusterpolicy_v1.json"));
if (!available && !required) console.warn(`skipped: no Kyverno JSON Schemas at ${schemas} (set REGFENCE_SCHEMAS, or REGFENCE_REQUIRE_SCHEMAS=1 to fail)`);

/** The strict (datree) schemas: `additionalProperties: false` on every nested object. */
const schemaFiles: Record<string, string> = {
  ClusterPolicy: "kyverno.io/clusterpolicy_v1.json",
  MutatingPolicy: "policies.kyverno.io/mutatingpolicy_v1.json",
  ValidatingPolicy: "policies.kyverno.io/validatingpolicy_v1.json",
};

function validator(kind: string): ValidateFunction {
  const file = schemaFiles[kind];
  if (file === undefined) throw new Error(`no schema for ${kind}`);
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  return ajv.compile(JSON.parse(readFileSync(path.join(schemas, file), "utf8")) as object);
}

const sources = ["policies/proxy-cache.policy.ts", "test/fixtures/kyverno-private-cel/private-proxy.policy.ts"];

describe.runIf(available || required)("kyverno: every emitted document against the strict upstream schemas", () => {
  const documents: { name: string; document: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    for (const policyType of ["ClusterPolicy", "CEL"] as const) {
      const { files } = await compileKyverno(sources, policyType);
      for (const [file, parsed] of files) if (file.startsWith("kubernetes/kyverno/")) for (const document of parsed) documents.push({ name: `${policyType} ${file}`, document });
    }
  });

  it("emits the rewrite and allowlist of both policies in both policy types", () => {
    expect(documents.map(({ name, document }) => `${name} ${String(document["kind"])}`).sort()).toEqual([
      "CEL kubernetes/kyverno/private-proxy-allowlist.yaml ValidatingPolicy",
      "CEL kubernetes/kyverno/private-proxy-rewrite.yaml MutatingPolicy",
      "CEL kubernetes/kyverno/proxy-cache-allowlist.yaml ValidatingPolicy",
      "CEL kubernetes/kyverno/proxy-cache-rewrite.yaml MutatingPolicy",
      "ClusterPolicy kubernetes/kyverno/private-proxy-allowlist.yaml ClusterPolicy",
      "ClusterPolicy kubernetes/kyverno/private-proxy-rewrite.yaml ClusterPolicy",
      "ClusterPolicy kubernetes/kyverno/proxy-cache-allowlist.yaml ClusterPolicy",
      "ClusterPolicy kubernetes/kyverno/proxy-cache-rewrite.yaml ClusterPolicy",
    ]);
  });

  it("every document validates", () => {
    for (const { name, document } of documents) {
      const validate = validator(String(document["kind"]));
      expect(validate(document) ? [] : validate.errors, name).toEqual([]);
    }
  });

  it("the schemas are strict enough to catch a misspelt field", () => {
    const first = documents.find(({ document }) => document["kind"] === "ClusterPolicy")?.document as { spec: Record<string, unknown> };
    const validate = validator("ClusterPolicy");
    expect(validate({ ...first, spec: { ...first.spec, webhookConfiguraton: {} } })).toBe(false);
  });
});
