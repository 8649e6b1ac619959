import { describe, expect, it } from "vitest";
import { credential, definePolicy, fromEnv, harborProxyCache } from "../../src/dsl/index.ts";
import { policyShape } from "../../src/load/policy-shape.ts";
import { preciseIssues, type ShapeIssue } from "../../src/load/shape-issues.ts";

/** What `--no-typecheck` (or `as any`) lets through is named at the field, even inside a union. */
function reported(value: unknown): string[] {
  const shape = policyShape.safeParse(value);
  if (shape.success) return [];
  return preciseIssues(shape.error.issues as readonly ShapeIssue[]).map((issue) => `${issue.path.join(".")}: ${issue.message}`);
}

const literal = 'a literal string where a secret belongs: use fromEnv("NAME") or fromFile("path"), secrets never appear in policy files';
const proxy = (upstream: unknown) => definePolicy({ name: "p", proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: [upstream as never] }) });

describe("shape issues inside a union", () => {
  it.each([
    ["a literal upstream password", proxy({ registry: "ghcr.io", credentials: { username: fromEnv("U"), password: "hunter2" } }), [`proxyCache.upstreams.0.credentials.password: ${literal}`]],
    ["an unknown upstream provider", proxy({ registry: "ghcr.io", provider: "gitlab" }), ['proxyCache.upstreams.0.provider: Invalid option: expected one of "docker-hub"|"docker-registry"|"github-ghcr"|"quay"|"google-gcr"|"aws-ecr"|"azure-acr"|"ali-acr"|"jfrog-artifactory"|"harbor"']],
    ["an upstream that is neither a host nor an object", proxy(42), ["proxyCache.upstreams.0: Invalid input"]],
    ["a host upstream", proxy("quay.io"), []],
  ])("%s", (_, value, expected) => {
    expect(reported(value)).toEqual(expected);
  });

  it("leaves issues outside unions as they are", () => {
    const value = definePolicy({ name: "p", credentials: [credential("c", { server: "h", username: fromEnv("U"), password: "x" as never })], registries: [] });
    expect(reported(value)).toEqual([`credentials.0.password: ${literal}`]);
  });
});
