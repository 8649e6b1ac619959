import { beforeAll, describe, expect, it } from "vitest";
import { admitCel } from "./cel-engine.ts";
import { type CompiledKyverno, compileKyverno, kyvernoDocuments, podWith } from "./compile-example.ts";
import { admit } from "./kyverno-engine.ts";

/** Audit F7/F9/F10: existing Pods are reported, Audit warns the client, a denial names the image once. */
const enforce = "policies/proxy-cache.policy.ts";
const audit = "test/fixtures/kyverno-private-cel/private-proxy.policy.ts";
const compiled = new Map<string, CompiledKyverno>();

beforeAll(async () => {
  for (const file of [enforce, audit]) for (const type of ["ClusterPolicy", "CEL"] as const) compiled.set(`${file} ${type}`, await compileKyverno([file], type));
});

const allowlist = (file: string, type: "ClusterPolicy" | "CEL") =>
  kyvernoDocuments(compiled.get(`${file} ${type}`) as CompiledKyverno).find((document) => ["ClusterPolicy", "ValidatingPolicy"].includes(String(document["kind"])) && String((document["metadata"] as { name: string }).name).endsWith("-allowlist")) as { spec: Record<string, unknown> };

describe("allowlist reporting", () => {
  it("ClusterPolicy: background scanning on in both modes, admission warnings in Audit mode", () => {
    expect(allowlist(enforce, "ClusterPolicy").spec).toMatchObject({ background: true });
    expect(allowlist(enforce, "ClusterPolicy").spec).not.toHaveProperty("emitWarning");
    expect(allowlist(audit, "ClusterPolicy").spec).toMatchObject({ background: true, emitWarning: true });
  });

  it("ValidatingPolicy: background evaluation on, Audit mode also warns", () => {
    expect(allowlist(enforce, "CEL").spec).toMatchObject({ validationActions: ["Deny"], evaluation: { background: { enabled: true } } });
    expect(allowlist(audit, "CEL").spec).toMatchObject({ validationActions: ["Audit", "Warn"], evaluation: { background: { enabled: true } } });
  });

  it.each(["ClusterPolicy", "CEL"] as const)("%s: a denial states the rule once and names the image", (type) => {
    const documents = kyvernoDocuments(compiled.get(`${enforce} ${type}`) as CompiledKyverno);
    const request = { operation: "CREATE", namespace: "default", object: podWith("public.ecr.aws/a/b:1", ["containers"]) } as const;
    const outcome = type === "ClusterPolicy" ? admit(documents, request) : admitCel(documents, request);
    expect(outcome.admitted).toBe(false);
    const message = outcome.violations.find((violation) => violation.rule === "allowed-registries")?.message ?? "";
    expect(message.split("Images must come from harbor.myco.com/").length - 1).toBe(1);
    expect(message.split("public.ecr.aws/a/b:1").length - 1).toBe(1);
  });
});
