import { afterAll, describe, expect, it } from "vitest";
import { createProject, removeProjects } from "../../helpers/run-cli.ts";

afterAll(removeProjects);

const policy = 'import { definePolicy } from "regfence";\n\nexport default definePolicy({ name: "p", admission: { allow: ["registry.myco.com"] } });\n';

describe("kyverno.policyType", () => {
  it.each([
    [undefined, "ClusterPolicy"],
    ["ClusterPolicy", "ClusterPolicy"],
    ["CEL", "ValidatingPolicy"],
  ])("%s emits %s", async (policyType, kind) => {
    const config = policyType === undefined ? {} : { kyverno: { policyType } };
    const project = await createProject({ "policies/p.policy.ts": policy, ".regfencerc.json": JSON.stringify(config) });
    const result = await project.run(["compile", "--target", "kyverno", "--no-typecheck"]);
    expect(result.status, result.stderr).toBe(0);
    const { readFile } = await import("node:fs/promises");
    expect(await readFile(project.path("out/kubernetes/kyverno/p-allowlist.yaml"), "utf8")).toContain(`kind: "${kind}"`);
  });

  it("rejects an unknown policy type, naming the choices", async () => {
    const project = await createProject({ "policies/p.policy.ts": policy, ".regfencerc.json": JSON.stringify({ kyverno: { policyType: "cel" } }) });
    const result = await project.run(["compile", "--target", "kyverno", "--no-typecheck"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/kyverno\.policyType: .*"ClusterPolicy"\|"CEL"|kyverno\.policyType: .*ClusterPolicy.*CEL/);
  });
});
