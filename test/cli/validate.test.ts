import { cp, readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createProject, hasStackTrace, positionOf, removeProjects, repoRoot, runCli } from "../helpers/run-cli.ts";
import { readTextTree } from "../helpers/tree.ts";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.ts";

afterAll(removeProjects);

const outsideNodeModules = { ignore: (file: string) => file.startsWith("node_modules/") };

/** Broken policies, each with the problem a user would make; keyed by path in the project. */
const syntaxError = `import { definePolicy } from "regfence";

export default definePolicy({
  name: "syntax",
  registries: [
});
`;

const secretLiteral = `import { credential, definePolicy, fromEnv } from "regfence";

export default definePolicy({
  name: "secret",
  credentials: [
    credential("robot", {
      server: "registry.myco.com",
      username: fromEnv("ROBOT_USER"),
      password: "hunter2",
    }),
  ],
});
`;

const throwsAtTopLevel = `import { definePolicy } from "regfence";

const region: string = "eu";
if (region.length > 0) {
  throw new Error("boom at top level");
}

export default definePolicy({ name: "throws" });
`;

const noDefaultExport = `import { definePolicy } from "regfence";

export const policy = definePolicy({ name: "no-default" });
`;

const validationErrors = `import { definePolicy, network, ovhRegistry } from "regfence";

const lab = network("lab", [
  { cidr: "10.2.2.1/24", description: "host bits set" },
  { cidr: "10.0.0.256", description: "not an address" },
  { cidr: "10.3.0.0/16", description: "outer" },
  { cidr: "10.3.1.0/24", description: "inside outer" },
  { cidr: "10.4.0.0/16", description: "first" },
  { cidr: "10.4.0.0/16", description: "again" },
]);

export default definePolicy({
  name: "Invalid_Name",
  networks: [lab],
  registries: [
    ovhRegistry("mpr-lab", {
      serviceName: "0123456789abcdef0123456789abcdef",
      registryId: "3f8e2d4c-9b1a-4c6e-8d2f-7a5b3c1e9f04",
      management: ["lab", "nowhere"],
      registry: "open",
    }),
  ],
});
`;

function sharedRegistry(policy: string): string {
  return `import { definePolicy, network, ovhRegistry } from "regfence";

const office = network("office", [{ cidr: "203.0.113.0/24", description: "office" }]);

export default definePolicy({
  name: "${policy}",
  registries: [
    ovhRegistry("mpr-shared", { serviceName: "0123456789abcdef0123456789abcdef", registryId: "3f8e2d4c-9b1a-4c6e-8d2f-7a5b3c1e9f04", management: [office], registry: [office] }),
  ],
});
`;
}

/** Valid, with one warning, so the report shows it was checked alongside the broken ones. */
const goodPolicy = `import { definePolicy, network, ovhRegistry } from "regfence";

const office = network("office", [
  { cidr: "203.0.113.0/24", description: "office" },
  { cidr: "2001:db8::/48", description: "office v6" },
]);

export default definePolicy({
  name: "good",
  registries: [ovhRegistry("mpr-good", { serviceName: "0123456789abcdef0123456789abcdef", registryId: "3f8e2d4c-9b1a-4c6e-8d2f-7a5b3c1e9f04", management: [office], registry: "open" })],
});
`;

const broken = {
  "policies/syntax.policy.ts": syntaxError,
  "policies/secret.policy.ts": secretLiteral,
  "policies/throws.policy.ts": throwsAtTopLevel,
  "policies/no-default.policy.ts": noDefaultExport,
  "policies/invalid.policy.ts": validationErrors,
  "policies/dup-a.policy.ts": sharedRegistry("dup-a"),
  "policies/dup-b.policy.ts": sharedRegistry("dup-b"),
  "policies/good.policy.ts": goodPolicy,
};

function at(file: keyof typeof broken, needle: string, occurrence = 1): { file: string; line: number; column: number } {
  const [name = "", line = "0", column = "0"] = positionOf(file, broken[file], needle, occurrence).split(":");
  return { file: name, line: Number(line), column: Number(column) };
}

function where(position: { file: string; line: number; column: number }): string {
  return `${position.file}:${position.line}:${position.column}`;
}

describe.concurrent("validate: the repository's policies", { timeout: 240_000 }, () => {
  it("exits 0 and writes nothing", async () => {
    const project = await createProject();
    await cp(path.join(repoRoot, "policies"), project.path("policies"), { recursive: true });
    const before = await readTextTree(project.dir, outsideNodeModules);
    const count = (await readdir(path.join(repoRoot, "policies"), { recursive: true })).filter((file) => file.endsWith(".policy.ts")).length;

    const [inRepo, inCopy] = await Promise.all([runCli(["validate"]), project.run(["validate"])]);
    for (const result of [inRepo, inCopy]) {
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^${count} polic(y|ies) valid`));
      expect(result.stderr).not.toMatch(/error/);
    }
    expect(await readTextTree(project.dir, outsideNodeModules)).toEqual(before);
  });
});

describe.concurrent("validate: many broken policies in one run", { timeout: 240_000 }, () => {
  const expected: Diagnostic[] = [
    {
      ...at("policies/dup-b.policy.ts", "ovhRegistry("),
      code: "RF2102",
      severity: "error",
      message: 'ovh registry "mpr-shared" is defined more than once',
      hint: `also defined at ${where(at("policies/dup-a.policy.ts", "ovhRegistry("))}; names must be unique across all policies`,
    },
    {
      ...at("policies/good.policy.ts", '"2001:db8::/48"'),
      code: "RF5002",
      severity: "warning",
      message: "2001:db8::/48 is IPv6; OVH documents IP restrictions with IPv4 blocks only",
      hint: "check that the registry accepts it before relying on it",
    },
    {
      ...at("policies/invalid.policy.ts", '"10.2.2.1/24"'),
      code: "RF2002",
      severity: "error",
      message: '"10.2.2.1/24" has host bits set',
      hint: 'write the network address: "10.2.2.0/24"',
    },
    { ...at("policies/invalid.policy.ts", '"10.0.0.256"'), code: "RF2001", severity: "error", message: '"10.0.0.256" is not a valid IPv4 or IPv6 address' },
    {
      ...at("policies/invalid.policy.ts", '"10.3.1.0/24"'),
      code: "RF2004",
      severity: "warning",
      message: '10.3.1.0/24 is already covered by 10.3.0.0/16 (network "lab")',
      hint: "remove 10.3.1.0/24, or narrow 10.3.0.0/16",
    },
    {
      ...at("policies/invalid.policy.ts", '"10.4.0.0/16"', 2),
      code: "RF2003",
      severity: "warning",
      message: '10.4.0.0/16 is listed twice (also in network "lab")',
      hint: "remove one of them",
    },
    {
      ...at("policies/invalid.policy.ts", '"Invalid_Name"'),
      code: "RF2101",
      severity: "error",
      message: 'invalid policy name "Invalid_Name"',
      hint: "policy names become Kubernetes object names: lowercase letters, digits and '-', at most 63 characters",
    },
    { ...at("policies/invalid.policy.ts", '"nowhere"'), code: "RF2103", severity: "error", message: 'unknown network "nowhere"', hint: "networks listed in this policy's `networks`: lab" },
    {
      file: "policies/no-default.policy.ts",
      line: 1,
      column: 1,
      code: "RF1004",
      severity: "error",
      message: "the policy file has no default export",
      hint: "end the file with `export default definePolicy({ … })`",
    },
    // tsc reports an assignment to a property at the property's name, not at the value
    {
      ...at("policies/secret.policy.ts", "password:"),
      code: "TS2322",
      severity: "error",
      message: "Type 'string' is not assignable to type 'SecretSource | undefined'.",
      hint: 'secrets are never written in a policy: use fromEnv("NAME") or fromFile("path")',
    },
    { ...at("policies/syntax.policy.ts", "});"), code: "TS1137", severity: "error", message: "Expression or comma expected." },
    {
      ...at("policies/throws.policy.ts", "new Error("),
      code: "RF1003",
      severity: "error",
      message: "the policy threw while being evaluated: Error: boom at top level",
    },
  ];

  it("reports every problem at its exact line:column and exits 1 (json)", async () => {
    const project = await createProject(broken);
    const result = await project.run(["validate", "--format", "json"]);
    expect(result.status, result.stderr).toBe(1);
    const document = JSON.parse(result.stdout) as { ok: boolean; policies: number; diagnostics: Diagnostic[] };
    expect(document.ok).toBe(false);
    expect(document.policies).toBe(Object.keys(broken).length);
    expect(document.diagnostics).toEqual(expected);
  });

  it("prints each problem as file:line:col with the source line and hints, writes nothing, exits 1 (pretty)", async () => {
    const project = await createProject(broken);
    const before = await readTextTree(project.dir, outsideNodeModules);
    const result = await project.run(["validate"]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(hasStackTrace(result.stderr)).toBe(false);
    for (const want of expected) {
      expect(result.stderr).toContain(`${where(want)} ${want.severity} ${want.code} ${want.message}\n`);
      if (want.hint !== undefined) expect(result.stderr).toContain(`  hint: ${want.hint}`);
    }
    expect(result.stderr).toContain(`  4 |   { cidr: "10.2.2.1/24", description: "host bits set" },\n    |           ^\n`);
    expect(result.stderr).toMatch(/✖ 9 errors, 3 warnings\n$/);
    expect(await readTextTree(project.dir, outsideNodeModules)).toEqual(before);
  });

  it("reports a literal where fromEnv(…) is expected as a type error at the property, with the fromEnv/fromFile hint (audit D5)", async () => {
    const project = await createProject({ "policies/secret.policy.ts": secretLiteral, "policies/good.policy.ts": goodPolicy });
    const result = await project.run(["validate", "--format", "json"]);
    expect(result.status).toBe(1);
    const { diagnostics } = JSON.parse(result.stdout) as { diagnostics: Diagnostic[] };
    expect(diagnostics.filter((diagnostic) => diagnostic.severity === "error")).toEqual([
      {
        ...at("policies/secret.policy.ts", "password:"),
        code: "TS2322",
        severity: "error",
        message: "Type 'string' is not assignable to type 'SecretSource | undefined'.",
        hint: 'secrets are never written in a policy: use fromEnv("NAME") or fromFile("path")',
      },
    ]);
  });

  it("without type-checking, the syntax error comes from the bundler and the secret from the shape check", async () => {
    const project = await createProject({ "policies/syntax.policy.ts": syntaxError, "policies/secret.policy.ts": secretLiteral });
    const result = await project.run(["validate", "--no-typecheck", "--format", "json"]);
    expect(result.status).toBe(1);
    const { diagnostics } = JSON.parse(result.stdout) as { diagnostics: Diagnostic[] };
    expect(diagnostics.map((diagnostic) => `${where(diagnostic)} ${diagnostic.code}`)).toEqual([
      `${where(at("policies/secret.policy.ts", '"hunter2"'))} RF1010`,
      `${where(at("policies/syntax.policy.ts", "});"))} RF1002`,
    ]);
  });

  /**
   * tsc reports type errors only when no file of the program has a syntax error, so a syntax
   * error in one policy must not hide the type errors of the others (regression test).
   */
  it("a syntax error in one policy does not hide type errors in the others", async () => {
    const typeError = `import { definePolicy } from "regfence";

const retries: number = "3";

export default definePolicy({ name: "typed" });
`;
    const project = await createProject({ "policies/syntax.policy.ts": syntaxError, "policies/typed.policy.ts": typeError });
    const result = await project.run(["validate", "--format", "json"]);
    expect(result.status).toBe(1);
    const { diagnostics } = JSON.parse(result.stdout) as { diagnostics: Diagnostic[] };
    expect(diagnostics.map((diagnostic) => `${where(diagnostic)} ${diagnostic.code}`)).toEqual([
      `${where(at("policies/syntax.policy.ts", "});"))} TS1137`,
      `${positionOf("policies/typed.policy.ts", typeError, "retries")} TS2322`,
    ]);
  });
});
