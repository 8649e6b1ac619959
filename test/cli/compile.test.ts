import { createHash } from "node:crypto";
import { readFile, readdir, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type CliResult, createProject, hasStackTrace, positionOf, removeProjects, repoRoot, runCli, tempDir } from "../helpers/run-cli.ts";
import { exists, readTextTree } from "../helpers/tree.ts";

afterAll(removeProjects);

/** Secrets are never committed (.gitignore), so they are not part of the committed out/. */
const notCommitted = (file: string): boolean => file.startsWith("kubernetes/secrets/");

/** How the CLI prints an absolute out dir when run from the repository root. */
function shown(out: string): string {
  return path.relative(repoRoot, out).split(path.sep).join("/");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function expectOk(result: CliResult): void {
  expect(result.status, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0);
}

const networksTs = `import { network } from "regfence";

export const office = network("office", [{ cidr: "203.0.113.0/24", description: "office" }]);
export const ci = network("ci", [{ cidr: "198.51.100.7", description: "CI runner" }]);
`;

/** A distinct, well-formed OVH project id (32 lowercase hex digits) per policy name. */
function projectId(name: string): string {
  return createHash("md5").update(name).digest("hex");
}

function registryPolicy(name: string, management: string, registry: string): string {
  return `import { definePolicy, ovhRegistry } from "regfence";
import { ci, office } from "./networks.ts";

export default definePolicy({
  name: "${name}",
  registries: [
    ovhRegistry("mpr-${name}", {
      serviceName: "${projectId(name)}",
      registryId: "3f8e2d4c-9b1a-4c6e-8d2f-${projectId(name).slice(0, 12)}",
      management: ${management},
      registry: ${registry},
    }),
  ],
});
`;
}

const validFiles = {
  "policies/networks.ts": networksTs,
  "policies/alpha.policy.ts": registryPolicy("alpha", "[office]", "[office, ci]"),
  "policies/beta.policy.ts": registryPolicy("beta", "[ci]", '"open"'),
  "policies/gamma.policy.ts": registryPolicy("gamma", "[office, ci]", "[ci]"),
};

/** A policy whose network holds a CIDR that does not parse. */
const brokenPolicy = `import { definePolicy, network, ovhRegistry } from "regfence";

const office = network("office", [
  { cidr: "203.0.113.0/24", description: "office" },
  { cidr: "192.0.2.256", description: "typo" },
]);

export default definePolicy({
  name: "edge",
  registries: [ovhRegistry("mpr-edge", { serviceName: "0123456789abcdef0123456789abcdef", registryId: "3f8e2d4c-9b1a-4c6e-8d2f-7a5b3c1e9f04", management: [office], registry: [office] })],
});
`;
const brokenAt = positionOf("policies/edge.policy.ts", brokenPolicy, '"192.0.2.256"');
const brokenMessage = '"192.0.2.256" is not a valid IPv4 or IPv6 address';

describe.concurrent("compile: the repository's own policies", { timeout: 240_000 }, () => {
  it("reproduces the committed out/ byte for byte, and a second run writes nothing", async () => {
    const out = await tempDir();
    const [first, committed, policyCount] = await Promise.all([
      runCli(["compile", "--out", out]),
      readTextTree(path.join(repoRoot, "out"), { ignore: notCommitted }),
      readdir(path.join(repoRoot, "policies"), { recursive: true }).then((files) => files.filter((file) => file.endsWith(".policy.ts")).length),
    ]);
    expectOk(first);
    expect(Object.keys(committed).length).toBeGreaterThan(0);
    expect(await readTextTree(out)).toEqual(committed);
    expect(first.stdout).toContain(`compiled ${policyCount} ${policyCount === 1 ? "policy" : "policies"} into ${shown(out)}\n`);

    const second = await runCli(["compile", "--out", out]);
    expectOk(second);
    // one line per target: "  <target>  0 written, <n> unchanged"; together they cover every file
    const lines = [...second.stdout.matchAll(/^ {2}(\S+) +(\d+) written, (\d+) unchanged$/gm)];
    expect(lines.map((line) => line[1])).toContain("ovh");
    expect(lines.map((line) => line[2])).toEqual(lines.map(() => "0"));
    expect(lines.reduce((sum, line) => sum + Number(line[3]), 0)).toBe(Object.keys(committed).length);
    expect(second.stdout).toMatch(/^ {2}ovh +0 written, [1-9]\d* unchanged$/m);
    expect(await readTextTree(out)).toEqual(committed);
  });

  it("--check passes on an up-to-date dir, lists stale, missing and extra files without writing, and compile repairs them", async () => {
    const out = await tempDir();
    expectOk(await runCli(["compile", "--out", out]));
    const fresh = await readTextTree(out);
    const files = Object.keys(fresh);
    const ovhFiles = files.filter((file) => file.startsWith("ovh/"));
    expect(ovhFiles.length).toBeGreaterThanOrEqual(2);

    const upToDate = await runCli(["compile", "--check", "--out", out]);
    expectOk(upToDate);
    // The worked examples carry tests, which --check runs.
    expect(upToDate.stdout).toMatch(new RegExp(`^${escapeRegExp(shown(out))} is up to date \\(${files.length} files from \\d+ polic(y|ies)\\); tests: \\d+ passed, 0 failed$`, "m"));
    expect(await readTextTree(out)).toEqual(fresh);

    const [edited = "", deleted = ""] = ovhFiles;
    await writeFile(path.join(out, edited), `${fresh[edited]}\n`);
    await unlink(path.join(out, deleted));
    await writeFile(path.join(out, "ovh", "extra.json"), "[]\n");
    const damaged = await readTextTree(out);

    const check = await runCli(["compile", "--check", "--out", out]);
    expect(check.status, check.stderr).toBe(1);
    expect(check.stdout).toContain(`${shown(out)} is stale; run \`regfence compile\`:`);
    expect(check.stdout).toContain(`  stale   ${shown(out)}/${edited}\n`);
    expect(check.stdout).toContain(`  missing ${shown(out)}/${deleted}\n`);
    expect(check.stdout).toContain(`  extra   ${shown(out)}/ovh/extra.json\n`);
    expect(check.stdout.match(/^ {2}(stale|missing|extra) /gm)).toHaveLength(3);
    expect(await readTextTree(out), "--check must write nothing").toEqual(damaged);

    const repair = await runCli(["compile", "--out", out]);
    expectOk(repair);
    expect(repair.stdout).toMatch(/^ {2}ovh +2 written, \d+ unchanged, 1 removed$/m);
    expect(await readTextTree(out)).toEqual(fresh);
    expect(await exists(path.join(out, "ovh", "extra.json"))).toBe(false);
  });

  it("--check on an out dir that does not exist lists every file as missing and creates nothing", async () => {
    const parent = await tempDir();
    const out = path.join(parent, "never-written");
    const result = await runCli(["compile", "--check", "--out", out]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^ {2}missing /m);
    expect(result.stdout).not.toMatch(/^ {2}(stale|extra) /m);
    expect(await exists(out)).toBe(false);
  });
});

describe.concurrent("compile: a policy with errors", { timeout: 240_000 }, () => {
  it("exits 1, points at the bad literal and leaves an existing out dir byte-for-byte unchanged", async () => {
    const project = await createProject(validFiles);
    expectOk(await project.run(["compile"]));
    await writeFile(project.path("out", "ovh", "hand-made.txt"), "left by someone\n");
    const before = await readTextTree(project.path("out"));
    expect(Object.keys(before).length).toBeGreaterThan(1);

    await project.write({ "policies/edge.policy.ts": brokenPolicy });
    const result = await project.run(["compile"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${brokenAt} error RF2001 ${brokenMessage}`);
    expect(result.stderr).toContain("nothing written to out");
    expect(result.stdout).toBe("");
    expect(await readTextTree(project.path("out"))).toEqual(before);
  });

  it("creates no out dir where none existed (default or --out)", async () => {
    const project = await createProject({ "policies/edge.policy.ts": brokenPolicy });
    const [byDefault, explicit] = await Promise.all([project.run(["compile"]), project.run(["compile", "--out", "generated/deep"])]);
    expect(byDefault.status).toBe(1);
    expect(explicit.status).toBe(1);
    expect(byDefault.stderr).toContain(brokenAt);
    expect(explicit.stderr).toContain("nothing written to generated/deep");
    expect(await exists(project.path("out"))).toBe(false);
    expect(await exists(project.path("generated"))).toBe(false);
  });

  it("--format github prints one workflow annotation per finding", async () => {
    const project = await createProject({ "policies/edge.policy.ts": brokenPolicy });
    const result = await project.run(["compile", "--format", "github"]);
    expect(result.status).toBe(1);
    const [file, line, col] = brokenAt.split(":");
    expect(result.stdout).toBe(`::error file=${file},line=${line},col=${col},title=regfence RF2001::${brokenMessage}\n`);
    expect(await exists(project.path("out"))).toBe(false);
  });
});

describe.concurrent("compile: output format and determinism", { timeout: 240_000 }, () => {
  it("--format json prints one JSON document, on failure and on success", async () => {
    const broken = await createProject({ "policies/edge.policy.ts": brokenPolicy });
    const good = await createProject({
      ...validFiles,
      // an IPv6 block is a warning for OVH, so the successful document carries a diagnostic too
      "policies/delta.policy.ts": registryPolicy("delta", '[network("v6", [{ cidr: "2001:db8::/48", description: "v6" }])]', "[ci]").replace(
        'import { definePolicy, ovhRegistry } from "regfence";',
        'import { definePolicy, network, ovhRegistry } from "regfence";',
      ),
    });
    const [failed, passed] = await Promise.all([broken.run(["compile", "--format", "json"]), good.run(["compile", "--format", "json"])]);

    expect(failed.status).toBe(1);
    const failure = JSON.parse(failed.stdout) as Record<string, unknown>;
    const [file, line, column] = brokenAt.split(":");
    expect(failure).toMatchObject({ ok: false, targets: [] });
    expect(failure["diagnostics"]).toEqual([
      { code: "RF2001", severity: "error", message: brokenMessage, file, line: Number(line), column: Number(column) },
    ]);

    expect(passed.status, passed.stderr).toBe(0);
    const success = JSON.parse(passed.stdout) as { ok: unknown; diagnostics: Record<string, unknown>[]; targets: { name: string; files: { path: string; status: string }[] }[] };
    expect(success.ok).toBe(true);
    expect(success.diagnostics.length).toBeGreaterThan(0);
    for (const diagnostic of success.diagnostics) {
      expect(diagnostic).toEqual(
        expect.objectContaining({
          code: expect.any(String),
          severity: expect.stringMatching(/^(error|warning|info)$/),
          message: expect.any(String),
          file: expect.any(String),
          line: expect.any(Number),
          column: expect.any(Number),
        }),
      );
    }
    expect(success.diagnostics).toContainEqual(expect.objectContaining({ code: "RF5002", severity: "warning", file: "policies/delta.policy.ts" }));
    const ovh = success.targets.find((target) => target.name === "ovh");
    expect(ovh?.files.map((entry) => entry.path)).toEqual(
      ["alpha", "beta", "delta", "gamma"].flatMap((name) => ["management.json", "plan.json", "registry.json"].map((file) => `ovh/mpr-${name}/${file}`)),
    );
    expect(ovh?.files.every((entry) => entry.status === "new")).toBe(true);
  });

  it("writes identical output whatever order the policies are given in", async () => {
    const project = await createProject(validFiles);
    const orders = [
      ["policies/gamma.policy.ts", "policies/alpha.policy.ts", "policies/beta.policy.ts"],
      ["policies/beta.policy.ts", "policies/gamma.policy.ts", "policies/alpha.policy.ts"],
      ["policies"],
    ];
    const results = await Promise.all(orders.map((files, index) => project.run(["compile", ...files, "--out", `out-${index}`])));
    results.forEach(expectOk);
    const trees = await Promise.all(orders.map((_, index) => readTextTree(project.path(`out-${index}`))));
    // 3 OVH registries' 3 files each, and the access report's 2.
    expect(Object.keys(trees[0] ?? {})).toHaveLength(11);
    expect(trees[1]).toEqual(trees[0]);
    expect(trees[2]).toEqual(trees[0]);
    expect(JSON.parse(trees[0]?.["ovh/mpr-gamma/management.json"] ?? "")).toEqual([
      { description: "CI runner", ipBlock: "198.51.100.7/32" },
      { description: "office", ipBlock: "203.0.113.0/24" },
    ]);
  });
});

describe.concurrent("CLI usage", { timeout: 240_000 }, () => {
  const usageErrors: readonly (readonly [string[], RegExp])[] = [
    [["compile", "--bogus"], /Unknown option '--bogus'/],
    [["compile", "--target", "nope"], /unknown target "nope": targets are .*\bovh\b/],
    [["compile", "policies/no-such.policy.ts"], /no such file or directory: policies\/no-such\.policy\.ts/],
    [["compile", "--out"], /Option '--out <value>' argument missing/],
    [["compile", "--format", "xml"], /unknown --format "xml": use pretty, json or github/],
    [["validate", "--format", "xml"], /unknown --format "xml"/],
    [["validate", "--bogus"], /Unknown option '--bogus'/],
  ];

  it("usage errors exit 2 with a usage hint and no stack trace, writing nothing", async () => {
    const project = await createProject(validFiles);
    const results = await Promise.all(usageErrors.map(([args]) => project.run(args)));
    results.forEach((result, index) => {
      const [args = [], message = /./] = usageErrors[index] ?? [];
      const label = `regfence ${args.join(" ")}\n${result.stderr}`;
      expect(result.status, label).toBe(2);
      expect(result.stderr, label).toMatch(message);
      expect(result.stderr, label).toMatch(/^regfence: /);
      expect(result.stderr, label).toContain(`Run \`regfence ${args[0]} --help\` for usage.`);
      expect(result.stderr, label).not.toContain("internal error");
      expect(hasStackTrace(result.stderr), label).toBe(false);
      expect(result.stdout, label).toBe("");
    });
    expect(await exists(project.path("out"))).toBe(false);
  });

  it("--help on each command and --version exit 0; an unknown command exits 2", async () => {
    const manifest = JSON.parse(await readFile(path.join(repoRoot, "package.json"), "utf8")) as { version: string };
    const [compileHelp, compileShort, validateHelp, version, versionShort, topHelp, unknown] = await Promise.all([
      runCli(["compile", "--help"]),
      runCli(["compile", "-h"]),
      runCli(["validate", "--help"]),
      runCli(["--version"]),
      runCli(["-v"]),
      runCli(["--help"]),
      runCli(["frobnicate"]),
    ]);
    for (const result of [compileHelp, compileShort, validateHelp, version, versionShort, topHelp]) {
      expect(result.status, result.stderr).toBe(0);
      expect(result.stderr).toBe("");
    }
    expect(compileHelp.stdout).toMatch(/^Usage: regfence compile /);
    expect(compileHelp.stdout).toContain("--check");
    expect(compileShort.stdout).toBe(compileHelp.stdout);
    expect(validateHelp.stdout).toMatch(/^Usage: regfence validate /);
    expect(validateHelp.stdout).not.toContain("--check");
    expect(version.stdout).toBe(`${manifest.version}\n`);
    expect(versionShort.stdout).toBe(`${manifest.version}\n`);
    expect(topHelp.stdout).toMatch(/^Usage: regfence <command>/);

    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('regfence: unknown command "frobnicate"');
    expect(unknown.stderr).toContain("Usage: regfence <command>");
    expect(hasStackTrace(unknown.stderr)).toBe(false);
  });
});
