import { beforeAll, describe, expect, it } from "vitest";
import { admitCel, desugarObjectConstruction } from "./cel-engine.ts";
import { compileKyverno } from "./compile-example.ts";
import { admit } from "./kyverno-engine.ts";
import { expandGoTemplate, regexReplaceAll, searchKyverno, wildcardMatch } from "./kyverno-functions.ts";
import { disagreements } from "./table-check.ts";

type Documents = Record<string, unknown>[];
let clusterPolicies: Documents;
let celPolicies: Documents;

beforeAll(async () => {
  clusterPolicies = [...(await compileKyverno(["policies/proxy-cache.policy.ts"], "ClusterPolicy")).files.values()].flat();
  celPolicies = [...(await compileKyverno(["policies/proxy-cache.policy.ts"], "CEL")).files.values()].flat();
});

/** The documents with `from` replaced by `to` in every string value (a plausible emitter bug); `from` must occur. */
function sabotage(documents: Documents, from: string, to: string): Documents {
  let found = false;
  const walk = (value: unknown): unknown => {
    if (typeof value === "string") {
      found ||= value.includes(from);
      return value.replaceAll(from, () => to);
    }
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item)]));
    return value;
  };
  const result = walk(documents) as Documents;
  expect(found, `${from} occurs in the policies`).toBe(true);
  return result;
}

describe("the harnesses catch wrong policies", () => {
  it("agree with the table on the emitted policies", () => {
    expect(disagreements((request) => admit(clusterPolicies, request))).toEqual([]);
    expect(disagreements((request) => admitCel(celPolicies, request))).toEqual([]);
  });

  it("an unescaped dot in the allowlist admits harbor-myco.com", () => {
    const broken = sabotage(clusterPolicies, "^(?:harbor\\.myco\\.com/)", "^(?:harbor.myco.com/)");
    expect(disagreements((request) => admit(broken, request))).toContain("harbor-myco.com/docker.io/nginx");
  });

  it("a wildcard allowlist (`harbor.myco.com/*`, the seed's pattern style) admits harbor-myco.com", () => {
    const broken = structuredClone(clusterPolicies) as { spec: { rules: { name: string; validate?: { foreach: { deny: { conditions: { any: object[] } } }[] } }[] } }[];
    const rule = broken.flatMap((policy) => policy.spec.rules).find((candidate) => candidate.name === "allowed-registries");
    const conditions = rule?.validate?.foreach[0]?.deny.conditions;
    if (conditions === undefined) throw new Error("no allowed-registries rule");
    conditions.any = [{ key: "{{ element.image }}", operator: "NotEquals", value: "harbor.myco.com/*" }];
    expect(disagreements((request) => admit(broken as never, request))).toContain("harbor-myco.com/docker.io/nginx");
  });

  it("a prefix without its closing / admits harbor.myco.com.evil.com", () => {
    const broken = sabotage(celPolicies, "image.startsWith('harbor.myco.com/')", "image.startsWith('harbor.myco.com')");
    expect(disagreements((request) => admitCel(broken, request))).toContain("harbor.myco.com.evil.com/docker.io/nginx");
  });

  it("forgetting ephemeral containers leaves them unrewritten", () => {
    const rewrite = clusterPolicies[0] as { spec: { rules: { mutate: { foreach: unknown[] } }[] } };
    const broken = structuredClone(rewrite);
    broken.spec.rules[0]?.mutate.foreach.pop();
    expect(disagreements((request) => admit([broken as never, ...clusterPolicies.slice(1)], request))).toContain("nginx");
  });

  it("unanchored host matches rewrite look-alike hosts", () => {
    const broken = sabotage(celPolicies, "r'^(?:", "r'(?:");
    expect(disagreements((request) => admitCel(broken, request))).toContain("xgcr.io/x");
  });

  it("a policy using what the harness does not implement fails instead of passing", () => {
    const broken = sabotage(clusterPolicies, "Equals", "AnyIn");
    expect(() => disagreements((request) => admit(broken, request))).toThrow(/AnyIn is not implemented/);
    const autogen = sabotage(clusterPolicies, "none", "all");
    expect(() => admit(autogen, { operation: "CREATE", namespace: "default", object: { kind: "Pod", spec: { containers: [] } } })).toThrow(/autogen/);
  });
});

describe("Kyverno functions with Go semantics", () => {
  it.each([
    ["${1}x", ["ab", "a"], "ax"],
    ["$1x", ["ab", "a"], ""],
    ["$1", ["ab", "a"], "a"],
    ["$$1", ["ab", "a"], "$1"],
    ["$2", ["ab", "a"], ""],
    ["a$", ["ab"], "a$"],
    ["${x", ["ab"], "${x"],
  ] as const)("template %s", (template, groups, expected) => {
    expect(expandGoTemplate(template, groups)).toBe(expected);
  });

  it("regex_replace_all and regex_match through JMESPath", () => {
    expect(regexReplaceAll("^(?:gcr\\.io)/(.+)$", "gcr.io/x:1", "h/gcr.io/${1}")).toBe("h/gcr.io/x:1");
    expect(searchKyverno({ image: "gcr.io/x" }, "regex_match('^gcr\\.io/', image) && !regex_match('^a', image)")).toBe(true);
    expect(searchKyverno({ image: "gcrxio/x" }, "regex_match('^gcr\\.io/', image)")).toBe(false);
    expect(searchKyverno({ spec: { containers: [{ image: "a" }] } }, "spec.[containers, initContainers][].image")).toEqual(["a"]);
  });

  it.each([
    ["harbor.myco.com/*", "harbor.myco.com/x", true],
    ["harbor.myco.com/*", "harbor-myco.com/x", true],
    ["harbor.myco.com/*", "harbor.myco.org/x", false],
    ["a?c", "ac", true],
    ["a?c", "abc", true],
    ["kube-*", "kube-system", true],
    ["kube-system", "kube-public", false],
  ] as const)("wildcard %s ~ %s is %s", (pattern, text, expected) => {
    expect(wildcardMatch(pattern, text)).toBe(expected);
  });

  it("desugars CEL object construction to map literals, strings untouched", () => {
    expect(desugarObjectConstruction("Object{spec: Object.spec{containers: xs.map(c, Object.spec.containers{name: c.name, image: c.x ? 'a:b{' : c.y})}}")).toBe(
      "{\"spec\": {\"containers\": xs.map(c, {\"name\": c.name, \"image\": c.x ? 'a:b{' : c.y})}}",
    );
  });
});
