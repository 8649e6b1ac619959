/**
 * Policy tests kept in a `<name>.policy.test.ts` beside `<name>.policy.ts`: run with the policy's
 * own tests by `regfence test` and `compile --check`, typed by the policy's endpoints, reported at
 * their own file:line:col; a test file that is broken is reported and the other tests still run.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { platformPolicy } from "../helpers/platform-policy.ts";
import { createProject, removeProjects, type TempProject } from "../helpers/run-cli.ts";

afterAll(removeProjects);

const policy = platformPolicy(`    expectImage("nginx:1.27", { rewrittenTo: "harbor.myco.com/docker.io/nginx:1.27", admitted: true }),`);

const testFile = (tests: string, imports = `import platform from "./platform.policy.ts";`, subject = "platform") => `import { definePolicyTests, expectAddress, expectImage } from "regfence";
${imports}

export default definePolicyTests(${subject}, [
${tests}
]);
`;

const tests = `  expectImage("quay.io/org/app:1", { rewrittenTo: "harbor.myco.com/quay.io/org/app:1", admitted: true }),
  expectAddress("198.51.100.7", { reaches: ["mpr-prod/management"] }),
  expectAddress("203.0.113.9", { reaches: ["mpr-prod/management"] }),`;

let project: TempProject;
beforeAll(async () => {
  project = await createProject({ "policies/platform.policy.ts": policy, "policies/platform.policy.test.ts": testFile(tests) });
});

describe("a .policy.test.ts beside the policy", () => {
  it("runs after the policy's own tests, each failure at its line in the test file", async () => {
    const result = await project.run(["test"]);
    expect(result.stdout).toBe(
      [
        "✓ platform: nginx:1.27 is rewritten to harbor.myco.com/docker.io/nginx:1.27 and admitted",
        "✓ platform: quay.io/org/app:1 is rewritten to harbor.myco.com/quay.io/org/app:1 and admitted",
        "✓ platform: 198.51.100.7 reaches mpr-prod/management",
        "✗ platform: 203.0.113.9 reaches mpr-prod/management",
        "3 passed, 1 failed",
        "",
      ].join("\n"),
    );
    expect(result.stderr).toContain("policies/platform.policy.test.ts:7:44 error RF1201 test failed: 203.0.113.9 reaches mpr-prod/management; got does not reach");
    expect(result.status).toBe(1);
  });

  it("counts in compile --check, and is never compiled as a policy", async () => {
    const compiled = await project.run(["compile"]);
    expect(compiled.stdout).toContain("compiled 1 policy into out");
    const check = await project.run(["compile", "--check"]);
    expect(check.stdout).toContain("; tests: 3 passed, 1 failed\n");
    expect(check.status).toBe(1);
  });

  it("named on the command line, stands for the policy beside it; without one it is a usage error", async () => {
    const named = await project.run(["test", "policies/platform.policy.test.ts"]);
    expect(named.stdout.trimEnd().split("\n").at(-1)).toBe("3 passed, 1 failed");
    await project.write({ "policies/lonely.policy.test.ts": testFile("") });
    const lonely = await project.run(["test", "policies/lonely.policy.test.ts"]);
    expect(lonely.stderr).toContain("policies/lonely.policy.test.ts tests the policy beside it, and there is no lonely.policy.ts");
    expect(lonely.status).toBe(2);
  });

  it("types endpoints by the policy: a misspelt one is a type error there, and its file's tests are not run", async () => {
    const misspelt = await createProject({
      "policies/platform.policy.ts": policy,
      "policies/platform.policy.test.ts": testFile(`  expectAddress("198.51.100.7", { reaches: ["mpr-prod/managment"] }),`),
    });
    const typed = await misspelt.run(["test"]);
    expect(typed.stderr).toContain("policies/platform.policy.test.ts:5:3 error TS2322 Type 'AddressExpectation<\"mpr-prod/managment\">' is not assignable");
    // The message lists the policy's endpoints, not the type that computes them.
    expect(typed.stderr).toContain(`Type '"mpr-prod/managment"' is not assignable to type '"mpr-prod/management" | "mpr-prod/registry"'. Did you mean '"mpr-prod/management"'?`);
    expect(typed.stdout).toBe("✓ platform: nginx:1.27 is rewritten to harbor.myco.com/docker.io/nginx:1.27 and admitted\n1 passed, 0 failed\n");
    expect(typed.status).toBe(1);
    const untyped = await misspelt.run(["test", "--no-typecheck"]);
    expect(untyped.stderr).toContain('policies/platform.policy.test.ts:5:45 error RF2103 "mpr-prod/managment" is not an endpoint of policy "platform"');
    expect(untyped.status).toBe(1);
  });
});

describe("no tests at all", () => {
  it("passes, and says where tests go", async () => {
    const untested = await createProject({ "policies/platform.policy.ts": platformPolicy("") });
    const result = await untested.run(["test"]);
    expect(result.stdout).toBe("no tests: add expectImage or expectAddress to a policy's tests, or a <name>.policy.test.ts beside it\n");
    expect(result.status).toBe(0);
  });

  it("is not what a run whose only policy failed to load says: its tests may be there", async () => {
    const broken = await createProject({ "policies/platform.policy.ts": platformPolicy("").replace('registry: "open"', 'registry: "opne"'), "policies/platform.policy.test.ts": testFile(tests) });
    const result = await broken.run(["test"]);
    expect(result.stderr).toContain('error TS2322 Type \'"opne"\' is not assignable to type \'OvhAccess\'');
    expect(result.stdout).toBe("0 passed, 0 failed\n");
    expect(result.status).toBe(1);
  });
});

describe("a broken .policy.test.ts", () => {
  it.each([
    {
      case: "one that throws, at the throw",
      file: `import { definePolicyTests, expectImage } from "regfence";
import platform from "./platform.policy.ts";

function image(): string {
  throw new Error("no image today");
}
export default definePolicyTests(platform, [expectImage(image(), { admitted: true })]);
`,
      error: "policies/platform.policy.test.ts:5:9 error RF1003 the policy tests threw while being evaluated: Error: no image today",
    },
    {
      case: "one not made by definePolicyTests, at its export",
      file: `import { expectImage } from "regfence";\n\nexport default [expectImage("nginx", { admitted: true })];\n`,
      error: "policies/platform.policy.test.ts:3:1 error RF1010 the default export is an array, not a definePolicyTests(…) value",
    },
    {
      case: "one testing a policy that is not compiled, at the argument",
      file: testFile(`  expectImage("nginx", { admitted: true }),`, `import other from "../shared/other.policy.ts";`, "other"),
      error: 'policies/platform.policy.test.ts:4:34 error RF1203 the tests are of policy "other", which is not one of the policy files compiled',
    },
  ])("is reported ($case), and the policy's own tests still run", async ({ file, error }) => {
    const broken = await createProject({
      "policies/platform.policy.ts": policy,
      "policies/platform.policy.test.ts": file,
      "shared/other.policy.ts": `import { definePolicy } from "regfence";\n\nexport default definePolicy({ name: "other" });\n`,
    });
    const result = await broken.run(["test"]);
    expect(result.stderr).toContain(error);
    expect(result.stdout.trimEnd().split("\n").at(-1)).toBe("1 passed, 0 failed");
    expect(result.status).toBe(1);
  });
});
