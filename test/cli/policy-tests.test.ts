/**
 * `regfence test` and `compile --check` holding policies to the expectations written beside them:
 * failures at the expectation with what happened instead, in every format and as JUnit XML, and a
 * misspelt endpoint caught by the type-check (or, without it, by validation at the string).
 */
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { platformPolicy } from "../helpers/platform-policy.ts";
import { createProject, removeProjects, type TempProject } from "../helpers/run-cli.ts";

afterAll(removeProjects);

const policy = platformPolicy;

const passing = `    expectImage("nginx:1.27", { rewrittenTo: "harbor.myco.com/docker.io/nginx:1.27", admitted: true }),
    expectAddress("198.51.100.7", { reaches: ["mpr-prod/management", "mpr-prod/registry"] }),`;
const failing = `${passing}
    expectImage("ghcr.io/org/app:1", { admitted: true }),
    expectAddress("203.0.113.9", { reaches: ["mpr-prod/management"] }),`;

let project: TempProject;
beforeAll(async () => {
  project = await createProject({ "policies/platform.policy.ts": policy(failing) });
});

describe("regfence test", () => {
  it("passes a policy that does what its tests say, with the closing line CI reads", async () => {
    const green = await createProject({ "policies/platform.policy.ts": policy(passing) });
    const result = await green.run(["test"]);
    expect(result.stdout).toBe(
      [
        "✓ platform: nginx:1.27 is rewritten to harbor.myco.com/docker.io/nginx:1.27 and admitted",
        "✓ platform: 198.51.100.7 reaches mpr-prod/management",
        "✓ platform: 198.51.100.7 reaches mpr-prod/registry",
        "3 passed, 0 failed",
        "",
      ].join("\n"),
    );
    expect(result.status).toBe(0);
  });

  it("reports each failure at its expectation, with what happened instead", async () => {
    const result = await project.run(["test"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("policies/platform.policy.ts:20:5 error RF1201 test failed: ghcr.io/org/app:1 is admitted; got denied");
    expect(result.stderr).toContain("hint: expected admitted");
    expect(result.stderr).toContain('policies/platform.policy.ts:21:46 error RF1201 test failed: 203.0.113.9 reaches mpr-prod/management; got does not reach');
    expect(result.stdout).toContain("✗ platform: ghcr.io/org/app:1 is admitted\n");
    expect(result.stdout.trimEnd().split("\n").at(-1)).toBe("3 passed, 2 failed");
  });

  it("prints one JSON document, GitHub annotations, and a JUnit report", async () => {
    const json = await project.run(["test", "--format", "json", "--junit", "reports/regfence.xml"]);
    const document = JSON.parse(json.stdout) as { ok: boolean; tests: { name: string; passed: boolean; file: string; line: number; actual: string }[] };
    expect(document.ok).toBe(false);
    expect(document.tests.filter(({ passed }) => !passed).map(({ name, file, line }) => ({ name, file, line }))).toEqual([
      { name: "ghcr.io/org/app:1 is admitted", file: "policies/platform.policy.ts", line: 20 },
      { name: "203.0.113.9 reaches mpr-prod/management", file: "policies/platform.policy.ts", line: 21 },
    ]);
    expect(json.status).toBe(1);
    const junit = await readFile(project.path("reports/regfence.xml"), "utf8");
    expect(junit).toContain('<testsuites name="regfence" tests="5" failures="2">');
    expect(junit).toContain('<testcase name="ghcr.io/org/app:1 is admitted" classname="platform" file="policies/platform.policy.ts" line="20">');
    expect(junit).toContain("<failure message=\"expected admitted; got denied (");
    const github = await project.run(["test", "--format", "github"]);
    expect(github.stdout).toContain("::error file=policies/platform.policy.ts,line=20,col=5,title=regfence RF1201::test failed: ghcr.io/org/app:1 is admitted; got denied");
  });

  it("fails compile --check on a failing test, though out/ is up to date", async () => {
    expect((await project.run(["compile"])).status).toBe(0);
    const check = await project.run(["compile", "--check"]);
    expect(check.stdout).toContain("is up to date (");
    expect(check.stdout).toContain("; tests: 3 passed, 2 failed\n");
    expect(check.stderr).toContain("error RF1201 test failed: ghcr.io/org/app:1 is admitted");
    expect(check.status).toBe(1);
  });

  it("catches a misspelt endpoint: a type error, or without the type-check an unknown name at the string", async () => {
    const misspelt = await createProject({ "policies/platform.policy.ts": policy(`    expectAddress("198.51.100.7", { reaches: ["mpr-prod/managment"] }),`) });
    const typed = await misspelt.run(["test"]);
    expect(typed.stderr).toMatch(/policies\/platform\.policy\.ts:\d+:\d+ error TS2322/);
    expect(typed.stderr).toContain(`Type '"mpr-prod/managment"' is not assignable to type '"mpr-prod/management" | "mpr-prod/registry"'. Did you mean '"mpr-prod/management"'?`);
    expect(typed.status).toBe(1);
    const untyped = await misspelt.run(["test", "--no-typecheck"]);
    expect(untyped.stderr).toContain('policies/platform.policy.ts:18:47 error RF2103 "mpr-prod/managment" is not an endpoint of policy "platform"');
    expect(untyped.stderr).toContain("its endpoints: mpr-prod/management, mpr-prod/registry");
    expect(untyped.status).toBe(1);
  });

  it("refuses an expectation that checks nothing", async () => {
    const empty = await createProject({ "policies/platform.policy.ts": policy(`    expectImage("nginx", {}),`) });
    const result = await empty.run(["test", "--no-typecheck"]);
    expect(result.stderr).toContain("policies/platform.policy.ts:18:5 error RF1202 the expectation for nginx checks nothing");
    expect(result.status).toBe(1);
  });
});

describe("regfence test, a policy file that throws", () => {
  it("reports it at the line that threw and still runs the other policies' tests", async () => {
    const mixed = await createProject({
      "policies/platform.policy.ts": policy(passing),
      "policies/broken.policy.ts": `import { definePolicy } from "regfence";\n\nconst names: string[] = [];\nif (names.length === 0) throw new Error("no team names configured");\n\nexport default definePolicy({ name: "broken" });\n`,
    });
    const result = await mixed.run(["test"]);
    expect(result.stderr).toContain("policies/broken.policy.ts:4:");
    expect(result.stderr).toContain("no team names configured");
    expect(result.stderr).toContain("policies/broken.policy.ts has errors: what it declares is missing from this run");
    expect(result.stdout.trimEnd().split("\n").at(-1)).toBe("3 passed, 0 failed");
    expect(result.status).toBe(1);
  });
});

describe("regfence test, node pulls", () => {
  it("fails an expectation of node pulls when no proxy cache has node mirrors, saying so", async () => {
    const project = await createProject({ "policies/platform.policy.ts": policy(`    expectImage("nginx:1.27", { nodesPullFrom: "harbor.myco.com" }),`) });
    const result = await project.run(["test", "--no-typecheck"]);
    expect(result.stderr).toContain(
      "error RF1201 test failed: nginx:1.27 is pulled by nodes from harbor.myco.com; got not pulled through node mirrors (no proxy cache has nodeMirrors)",
    );
    expect(result.status).toBe(1);
  });
});
