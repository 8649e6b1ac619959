/**
 * loadPolicies end to end: native tsc, esbuild, evaluation, shape check and call-site anchors.
 *
 * Why the loader runs in a child process, from dist/:
 * - the src/ variant cannot work in place: bundle.ts and type-check.ts resolve "regfence" next to
 *   the running module (`../index.js`, `../index.d.ts`), i.e. src/index.js, which does not exist
 *   (evaluation fails with "Cannot find module '/src/index.js'", tsc checks src/ without @types);
 * - the dist/ variant imported into the vitest worker runs, but vitest's module runner also
 *   transforms the bundled policies the loader `import()`s: `network(` becomes
 *   `(0, __vi_import_0__.network)(`, so the raw V8 columns that captureCallSite records no longer
 *   match esbuild's source map and every anchor is wrong (e.g. line 0 or a column off by 30);
 * - a native `import()` from inside the worker is refused ("A dynamic import callback was not
 *   specified").
 * So the built loader is run by plain Node, exactly as bin/regfence.js runs it (`npm run build`
 * first). Policies live in `<repo>/.regfence-test-*` (git-ignored by the `.regfence-*` rule, outside the
 * tsconfig `include`, so a concurrent `npm run typecheck` never sees the deliberately broken files)
 * and are passed as absolute paths: the loader matches tsc's failed files against them with
 * path.resolve and hands them to a tsconfig written in the OS temp directory.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.ts";
import type { Finding } from "../../src/diagnostics/finding.ts";
import type { PathSegment, SourceAnchor } from "../../src/diagnostics/source-anchor.ts";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url)).replace(/[\\/]$/, "");

interface LoaderRun {
  readonly diagnostics: Diagnostic[];
  readonly findings: Finding[];
  /** The findings with refinePositions applied, as users see them. */
  readonly refined: Diagnostic[];
  /** Files (relative to cwd) whose policy loaded, in load order. */
  readonly policies: string[];
  /** Requested anchors: the raw anchor and its refined position. */
  readonly anchors: { readonly at: SourceAnchor; readonly refined: { file: string; line: number; column: number } }[];
}

const childScript = `
const request = JSON.parse(process.argv[1]);
const { loadPolicies, withoutFiles } = await import(request.dist + "/load/load-policies.js");
const { refinePositions } = await import(request.dist + "/load/refine-positions.js");
const loaded = await loadPolicies(request.files, request.cwd, { typeCheck: request.typeCheck });
// As the pipeline does: tsc's verdict, then the load without the files it failed.
const verdict = await loaded.typeCheck;
const checked = withoutFiles(loaded, verdict.failed);
const result = { ...checked, diagnostics: [...verdict.diagnostics, ...checked.diagnostics] };
const anchors = [];
for (const wanted of request.anchors) {
  const policy = result.policies.find((candidate) => candidate.file === wanted.file);
  if (policy === undefined) throw new Error("no loaded policy " + wanted.file);
  const at = policy.anchors.at(policy.value, wanted.path);
  const [refined] = await refinePositions([{ code: "X", severity: "info", message: "", at }], request.cwd);
  anchors.push({ at, refined: { file: refined.file, line: refined.line, column: refined.column } });
}
process.stdout.write(JSON.stringify({
  diagnostics: result.diagnostics,
  findings: result.findings,
  refined: await refinePositions(result.findings, request.cwd),
  policies: result.policies.map((policy) => policy.file),
  anchors,
}));
`;

function runLoader(
  files: readonly string[],
  typeCheck: boolean,
  anchors: readonly { file: string; path: readonly PathSegment[] }[] = [],
  cwd = repoRoot,
): Promise<LoaderRun> {
  const request = JSON.stringify({ dist: pathToFileURL(path.join(repoRoot, "dist")).href, files, cwd, typeCheck, anchors });
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--input-type=module", "-e", childScript, request], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`loader child failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as LoaderRun);
    });
  });
}

/** 1-based line and column of the `occurrence`-th `needle` in `text`. */
function positionOf(text: string, needle: string, occurrence = 1): { line: number; column: number } {
  let index = -1;
  for (let seen = 0; seen < occurrence; seen++) {
    index = text.indexOf(needle, index + 1);
    if (index < 0) throw new Error(`"${needle}" (#${occurrence}) not in the source`);
  }
  const before = text.slice(0, index).split("\n");
  return { line: before.length, column: (before.at(-1) ?? "").length + 1 };
}

const sources = {
  "networks.ts": `import { network } from "regfence";

/** A shared, non-policy module. */
export const production = network("production", [{ cidr: "192.0.2.0/24", description: "production" }]);
`,
  "good.policy.ts": `import { azureRegistry, definePolicy, network, ovhRegistry } from "regfence";
import { production } from "./networks.ts";

const qa = network("qa", [{ cidr: "198.51.100.0/24", description: "qa" }]);

export default definePolicy({
  name: "good",
  registries: [
    azureRegistry("acr", { resourceGroup: "rg", networks: [production, qa] }),
    ovhRegistry("mpr", { serviceName: "s", registryId: "r", management: [production], registry: "open" }),
  ],
});
`,
  // A second importer of networks.ts: with code splitting the shared module lands in a chunk.
  "other.policy.ts": `import { azureRegistry, definePolicy } from "regfence";
import { production } from "./networks.ts";

export default definePolicy({ name: "other", registries: [azureRegistry("acr-other", { resourceGroup: "rg", networks: [production] })] });
`,
  "type-error.policy.ts": `import { azureRegistry, definePolicy } from "regfence";

export default definePolicy({
  name: "type-error",
  registries: [azureRegistry("acr2", { resourceGroup: "rg", publicAccess: "public" })],
});
`,
  // A type error the shape check cannot see: only tsc stands between it and evaluation.
  "type-only-error.policy.ts": `import { definePolicy } from "regfence";

const port: number = "5000";
export default definePolicy({ name: "type-only-error" });
`,
  // Node's APIs, as a policy's editor allows them where the project has @types/node.
  "node-apis.policy.ts": `import { readFileSync } from "node:fs";
import { definePolicy } from "regfence";

const name = process.env.POLICY_NAME ?? new URL(import.meta.url).pathname.length.toString();
export default definePolicy({ name: name === "" ? String(readFileSync.length) : "node-apis" });
`,
  // A type of the package root beyond the DSL (the config's target names).
  "config-type.policy.ts": `import { definePolicy, type TargetName } from "regfence";

const targets: readonly TargetName[] = ["kyverno", "azure"];
export default definePolicy({ name: targets.length === 2 ? "config-type" : "none" });
`,
  // A mistake only Node's types reveal: process.env values are strings.
  "node-misuse.policy.ts": `import { definePolicy } from "regfence";

const retries: number = process.env.RETRIES;
export default definePolicy({ name: "node-misuse" });
`,
  "syntax.policy.ts": `import { definePolicy } from "regfence";

export default definePolicy({ name: "syntax", ;
`,
  "throws.policy.ts": `import { definePolicy } from "regfence";

function policyName(): string {
  throw new Error("boom");
}
export default definePolicy({ name: policyName() });
`,
  "no-default.policy.ts": `import { network } from "regfence";

export const lonely = network("lonely", []);
`,
  "not-a-policy.policy.ts": `export default { name: "plain" };
`,
  "shape.policy.ts": `import { definePolicy } from "regfence";

export default definePolicy({
  name: "shape",
  admission: { mode: "Block", timeoutSeconds: 99 } as any,
});
`,
  "literal-secret.policy.ts": `import { credential, definePolicy } from "regfence";

export default definePolicy({
  name: "literal-secret",
  credentials: [
    credential("robot", {
      server: "registry.myco.com",
      username: "bob",
      password: "hunter2",
    }),
  ],
});
`,
} as const;
type SourceName = keyof typeof sources;

let directory = "";
let relativeDirectory = "";
const file = (name: SourceName): string => path.join(directory, name);
const relative = (name: SourceName): string => `${relativeDirectory}/${name}`;
const at = (name: SourceName, needle: string, occurrence = 1) => ({ file: relative(name), ...positionOf(sources[name], needle, occurrence) });
const codes = (items: readonly { code: string; file: string }[], name: SourceName): string[] =>
  items.filter((item) => item.file === relative(name)).map((item) => item.code);

let checked: LoaderRun;
let withSyntaxError: LoaderRun;
let unchecked: LoaderRun;

beforeAll(async () => {
  directory = await mkdtemp(path.join(repoRoot, ".regfence-test-load-"));
  relativeDirectory = path.relative(repoRoot, directory).split(path.sep).join("/");
  for (const [name, text] of Object.entries(sources)) await writeFile(path.join(directory, name), text);
  const anchorPaths: { file: string; path: PathSegment[] }[] = [
    { file: relative("good.policy.ts"), path: [] },
    { file: relative("good.policy.ts"), path: ["registries", 0] },
    { file: relative("good.policy.ts"), path: ["registries", 0, "networks", 0] },
    { file: relative("good.policy.ts"), path: ["registries", 0, "networks", 1] },
    { file: relative("good.policy.ts"), path: ["registries", 0, "networks", 0, "rules", 0, "cidr"] },
    { file: relative("good.policy.ts"), path: ["registries", 0, "resourceGroup"] },
    { file: relative("good.policy.ts"), path: ["registries", 1, "management", 0] },
    { file: relative("other.policy.ts"), path: ["registries", 0, "networks", 0] },
  ];
  [checked, withSyntaxError, unchecked] = await Promise.all([
    runLoader(
      (["good.policy.ts", "other.policy.ts", "type-error.policy.ts", "type-only-error.policy.ts", "throws.policy.ts", "no-default.policy.ts", "not-a-policy.policy.ts", "shape.policy.ts"] as const).map(file),
      true,
      anchorPaths,
    ),
    runLoader((["syntax.policy.ts", "good.policy.ts"] as const).map(file), true),
    runLoader((["syntax.policy.ts", "good.policy.ts", "literal-secret.policy.ts", "throws.policy.ts"] as const).map(file), false),
  ]);
});

afterAll(async () => {
  if (directory !== "") await rm(directory, { recursive: true, force: true });
});

describe("loadPolicies with typeCheck: true", () => {
  it("reports type errors as TS#### diagnostics at the exact file:line:col", () => {
    const typeErrors = checked.diagnostics.filter((diagnostic) => diagnostic.code.startsWith("TS"));
    expect(typeErrors).toEqual([
      {
        code: "TS2322",
        severity: "error",
        message: `Type '"public"' is not assignable to type 'AzurePublicAccess | undefined'.`,
        ...at("type-error.policy.ts", "publicAccess"),
      },
      {
        code: "TS2322",
        severity: "error",
        message: "Type 'string' is not assignable to type 'number'.",
        ...at("type-only-error.policy.ts", "port:"),
      },
    ]);
  });

  it("leaves a file with type errors out of evaluation, and loads the others (a shape error leaves the rest of its policy checked)", () => {
    expect(checked.policies).toEqual([relative("good.policy.ts"), relative("other.policy.ts"), relative("shape.policy.ts")]);
    expect(codes([...checked.diagnostics, ...checked.refined], "type-error.policy.ts")).toEqual(["TS2322"]);
    expect(codes([...checked.diagnostics, ...checked.refined], "type-only-error.policy.ts")).toEqual(["TS2322"]);
  });

  it("reports a policy that throws as RF1003 at the line of the throw", () => {
    const thrown = checked.diagnostics.filter((diagnostic) => diagnostic.code === "RF1003");
    expect(thrown).toHaveLength(1);
    const throwAt = at("throws.policy.ts", "throw new Error");
    expect(thrown[0]).toMatchObject({ severity: "error", file: throwAt.file, line: throwAt.line, message: "the policy threw while being evaluated: Error: boom" });
    // V8 points into the throw statement (at `new Error`), never at the definePolicy call.
    expect(thrown[0]?.column).toBeGreaterThanOrEqual(throwAt.column);
    expect(thrown[0]?.column).toBeLessThan(throwAt.column + "throw new Error(".length);
  });

  it("reports a missing default export as RF1004", () => {
    expect(checked.diagnostics.filter((diagnostic) => diagnostic.code === "RF1004")).toEqual([
      {
        code: "RF1004",
        severity: "error",
        message: "the policy file has no default export",
        file: relative("no-default.policy.ts"),
        line: 1,
        column: 1,
        hint: "end the file with `export default definePolicy({ … })`",
      },
    ]);
  });

  it("reports a default export that is not a policy as one RF1010 at the export (audit R1)", () => {
    const found = checked.refined.filter((diagnostic) => diagnostic.file === relative("not-a-policy.policy.ts"));
    expect(found).toEqual([
      {
        code: "RF1010",
        severity: "error",
        message: "the default export is a plain object, not a definePolicy(…) value",
        hint: "end the file with `export default definePolicy({ … })`",
        ...at("not-a-policy.policy.ts", "export default"),
      },
    ]);
  });

  it("reports shape errors as RF1010 findings, refined to the offending values", () => {
    const shape = checked.refined.filter((diagnostic) => diagnostic.file === relative("shape.policy.ts"));
    expect(shape).toEqual([
      expect.objectContaining({ code: "RF1010", severity: "error", message: expect.stringMatching(/^admission\.mode: /), ...at("shape.policy.ts", '"Block"') }),
      expect.objectContaining({ code: "RF1010", severity: "error", message: expect.stringMatching(/^admission\.timeoutSeconds: /), ...at("shape.policy.ts", "99") }),
    ]);
    // Before refinement, findings are anchored at the definePolicy call plus an argument path.
    expect(checked.findings.filter((finding) => finding.at.file === relative("shape.policy.ts")).map((finding) => finding.at)).toEqual([
      { ...at("shape.policy.ts", "definePolicy("), path: [0, "admission", "mode"] },
      { ...at("shape.policy.ts", "definePolicy("), path: [0, "admission", "timeoutSeconds"] },
    ]);
  });

  it("reports a syntax error (TS1136) without stopping the other files", () => {
    expect(withSyntaxError.diagnostics).toEqual([
      { code: "TS1136", severity: "error", message: "Property assignment expected.", ...at("syntax.policy.ts", ";", 2) },
    ]);
    expect(withSyntaxError.policies).toEqual([relative("good.policy.ts")]);
    expect(withSyntaxError.findings).toEqual([]);
  });

  // tsc reports only syntactic diagnostics when any file has one; the loader checks again without
  // the files that failed to parse, so one policy's syntax error cannot hide another's type errors.
  it("still reports the type errors of other files when one file has a syntax error", async () => {
    const run = await runLoader([file("syntax.policy.ts"), file("type-only-error.policy.ts")], true);
    expect(run.diagnostics.map((diagnostic) => `${diagnostic.code} ${diagnostic.file}`)).toContain(`TS2322 ${relative("type-only-error.policy.ts")}`);
    expect(run.policies).not.toContain(relative("type-only-error.policy.ts"));
  });
});

// Policies are checked against the DSL's declarations first, and against the package root and
// Node's types where the first check misses what those declare: the verdict is the editor's.
describe("loadPolicies type-checks with the package root and Node's types where a policy uses them", () => {
  it("accepts Node's APIs and the config's types, and reports Node's misuse, as the editor does", async () => {
    const run = await runLoader([file("node-apis.policy.ts"), file("node-misuse.policy.ts"), file("config-type.policy.ts"), file("good.policy.ts")], true);
    expect(run.diagnostics).toEqual([
      {
        code: "TS2322",
        severity: "error",
        message: "Type 'string | undefined' is not assignable to type 'number'.\n  Type 'undefined' is not assignable to type 'number'.",
        ...at("node-misuse.policy.ts", "retries"),
      },
    ]);
    expect(run.policies).toEqual([relative("config-type.policy.ts"), relative("good.policy.ts"), relative("node-apis.policy.ts")]);
  });

  it("reports Node's APIs as unknown where the project has no @types/node", async () => {
    const bare = await mkdtemp(path.join(tmpdir(), "regfence-no-node-types-"));
    try {
      const policy = path.join(bare, "node-apis.policy.ts");
      await writeFile(policy, sources["node-apis.policy.ts"]);
      const run = await runLoader([policy], true, [], bare);
      expect(run.diagnostics.map((diagnostic) => `${diagnostic.code} ${diagnostic.line}:${diagnostic.column}`)).toEqual(["TS2591 1:30", "TS2591 4:14", "TS2304 4:45", "TS2339 4:61"]);
      expect(run.policies).toEqual([]);
    } finally {
      await rm(bare, { recursive: true, force: true });
    }
  });
});

describe("loadPolicies with typeCheck: false", () => {
  it("reports a syntax error as RF1002 from esbuild without stopping the other files", () => {
    expect(unchecked.diagnostics.filter((diagnostic) => diagnostic.code === "RF1002")).toEqual([
      { code: "RF1002", severity: "error", message: 'Expected identifier but found ";"', ...at("syntax.policy.ts", ";", 2) },
    ]);
    expect(unchecked.policies).toEqual([relative("good.policy.ts")]);
    // The rest of the run still evaluates and checks every other file.
    expect(codes(unchecked.diagnostics, "throws.policy.ts")).toEqual(["RF1003"]);
  });

  it("still rejects a literal secret (RF1010), positioned at the literal", () => {
    const secret = unchecked.refined.filter((diagnostic) => diagnostic.file === relative("literal-secret.policy.ts"));
    const message = (key: string) =>
      `credentials.0.${key}: a literal string where a secret belongs: use fromEnv("NAME") or fromFile("path"), secrets never appear in policy files`;
    expect(secret).toEqual([
      { code: "RF1010", severity: "error", message: message("username"), ...at("literal-secret.policy.ts", '"bob"') },
      { code: "RF1010", severity: "error", message: message("password"), ...at("literal-secret.policy.ts", '"hunter2"') },
    ]);
    expect(unchecked.policies).not.toContain(relative("literal-secret.policy.ts"));
  });
});

describe("anchors of DSL values", () => {
  const anchor = (index: number) => checked.anchors[index];

  it("anchor the policy at its definePolicy call", () => {
    expect(anchor(0)?.at).toEqual({ ...at("good.policy.ts", "definePolicy("), path: [] });
  });

  it("anchor a registry at its own call, not the policy's", () => {
    expect(anchor(1)?.at).toEqual({ ...at("good.policy.ts", "azureRegistry("), path: [] });
    expect(anchor(5)?.at).toEqual({ ...at("good.policy.ts", "azureRegistry("), path: [1, "resourceGroup"] });
    expect(anchor(5)?.refined).toEqual(at("good.policy.ts", '"rg"'));
  });

  it("anchor a network defined in the policy at its network( call", () => {
    expect(anchor(3)?.at).toEqual({ ...at("good.policy.ts", "network("), path: [] });
  });

  it("anchor a network imported from a shared non-policy module at its network( call there", () => {
    expect(anchor(2)?.at).toEqual({ ...at("networks.ts", "network("), path: [] });
    expect(anchor(6)?.at).toEqual({ ...at("networks.ts", "network("), path: [] });
    expect(anchor(7)?.at).toEqual({ ...at("networks.ts", "network("), path: [] });
    expect(anchor(4)?.at).toEqual({ ...at("networks.ts", "network("), path: [1, 0, "cidr"] });
    expect(anchor(4)?.refined).toEqual(at("networks.ts", '"192.0.2.0/24"'));
  });
});
