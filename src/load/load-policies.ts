import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { type Finding, Findings } from "../diagnostics/finding.js";
import type { z } from "zod";
import type { Policy, PolicyTest, PolicyTests } from "../dsl/index.js";
import type { LoadedPolicy } from "../ir/build-program.js";
import { Anchors } from "./anchors.js";
import { bundlePolicies } from "./bundle.js";
import { testFilesBeside } from "./discover.js";
import { evaluatePolicies } from "./evaluate.js";
import { exportDefaultPosition } from "./text-positions.js";
import { type ValuePath, withoutPaths } from "./prune-invalid.js";
import { relativeToCwd } from "./paths.js";
import { argumentPath } from "../ir/source-anchor.js";
import { policyShape, policyTestsShape } from "./policy-shape.js";
import { SourceMapper } from "./source-maps.js";
import { typeCheck } from "./type-check.js";
import { preciseIssues, type ShapeIssue } from "./shape-issues.js";

/** The most files type-checked while they are also bundled and evaluated (see loadPolicies). */
const overlapLimit = 250;

/** The tests of a `.policy.test.ts` file, and the policy file whose policy they test (both relative). */
export interface LoadedPolicyTests {
  readonly file: string;
  readonly policyFile: string;
  readonly tests: readonly PolicyTest[];
}

export interface LoadResult {
  readonly policies: readonly LoadedPolicy[];
  readonly policyTests: readonly LoadedPolicyTests[];
  /** Problems with positions already final (parse and evaluation failures). */
  readonly diagnostics: readonly Diagnostic[];
  /** Shape problems, anchored at DSL calls; positions are refined when reported. */
  readonly findings: readonly Finding[];
}

/** What type-checking found: its diagnostics, and the files (relative) it failed. */
export interface TypeVerdict {
  readonly diagnostics: readonly Diagnostic[];
  readonly failed: ReadonlySet<string>;
}

/**
 * Every file loaded without waiting for tsc, and tsc's verdict when it comes: the caller goes on
 * with the policies meanwhile, and drops the failed files ({@link withoutFiles}) once it knows them.
 */
export interface DeferredLoad extends LoadResult {
  readonly typeCheck: Promise<TypeVerdict>;
}

/** The load without the files type-checking failed: a file that does not type-check is not evaluated further. */
export function withoutFiles(load: LoadResult, failed: ReadonlySet<string>): LoadResult {
  return {
    policies: load.policies.filter((policy) => !failed.has(policy.file)),
    policyTests: load.policyTests.filter((tests) => !failed.has(tests.file)),
    diagnostics: load.diagnostics.filter((diagnostic) => !failed.has(diagnostic.file)),
    findings: load.findings.filter((finding) => !failed.has(finding.at.file)),
  };
}

/**
 * Loads policy files and the `.policy.test.ts` files beside them: type-check (native tsc), bundle
 * (esbuild), evaluate each entry, then check the shape of each default export. A file that fails
 * any step is reported and left out; the rest go on, so one run reports every broken file.
 */
export async function loadPolicies(paths: readonly string[], cwd: string, options: { typeCheck: boolean }): Promise<DeferredLoad> {
  const files = paths.map((file) => path.resolve(cwd, file));
  const testFiles = new Set(await testFilesBeside(files));
  const checked = [...files, ...testFiles];
  // tsc is a process of its own: it runs beside bundling, evaluation and everything after them.
  // Beside a large set, tsc and this process would each hold a large program at once: past
  // `overlapLimit` files the check runs first, so the process tree holds one of them at a time.
  const besideOtherWork = checked.length <= overlapLimit;
  const typeChecking = options.typeCheck ? typeCheck(checked, cwd, { besideOtherWork }).then(verdictOf) : Promise.resolve({ diagnostics: [], failed: new Set<string>() });
  // Awaited by the caller; until then a rejection must not count as unhandled.
  typeChecking.catch(() => undefined);
  if (!besideOtherWork) await typeChecking.catch(() => undefined);
  const findings = new Findings();
  const outdir = await mkdtemp(path.join(tmpdir(), "regfence-eval-"));
  try {
    const bundled = await bundlePolicies(checked, outdir, cwd);
    const bundleDiagnostics = bundled.diagnostics;
    const bundle = bundled.bundle;
    const mapper = new SourceMapper(bundle.sourceMaps, cwd);
    const evaluated = await evaluatePolicies(bundle, mapper, cwd, testFiles);
    const policies: LoadedPolicy[] = [];
    const testValues: { file: string; value: unknown }[] = [];
    for (const { file, value } of evaluated.policies) {
      if (testFiles.has(file)) {
        testValues.push({ file, value });
        continue;
      }
      const relative = relativeToCwd(file, cwd);
      const anchors = new Anchors(mapper, relative);
      if (!isDslValue(value, "policy")) {
        notMadeBy(findings, file, relative, value, "definePolicy(…)", "export default definePolicy({ … })");
        continue;
      }
      const policy = checkShape(value, policyShape, anchors, findings);
      if (policy !== undefined) policies.push({ file: relative, value: policy as Policy, anchors });
    }
    // A test file's policy is one of the policies evaluated above (the same module, imported).
    const policyTests: LoadedPolicyTests[] = [];
    for (const { file, value } of testValues) {
      const relative = relativeToCwd(file, cwd);
      const anchors = new Anchors(mapper, relative);
      if (!isDslValue(value, "policy-tests")) {
        notMadeBy(findings, file, relative, value, "definePolicyTests(…)", "export default definePolicyTests(policy, [ … ])");
        continue;
      }
      const tests = checkShape(value, policyTestsShape, anchors, findings) as PolicyTests | undefined;
      if (tests === undefined) continue;
      const policyFile = evaluated.policies.find((candidate) => candidate.value === tests.policy && !testFiles.has(candidate.file))?.file;
      if (policyFile === undefined) {
        // At the argument, not where the policy is defined (the path would lead into the policy's own call).
        findings.error("RF1203", { ...anchors.at(tests), path: argumentPath("policy-tests", "policy") }, `the tests are of policy "${tests.policy.name}", which is not one of the policy files compiled`, "test a policy of a *.policy.ts file the config's policies (or the command line) include, imported from it");
        continue;
      }
      policyTests.push({ file: relative, policyFile: relativeToCwd(policyFile, cwd), tests: tests.tests });
    }
    return { policies, policyTests, diagnostics: [...bundleDiagnostics, ...evaluated.diagnostics], findings: findings.all, typeCheck: typeChecking };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

/**
 * A value checked against its shape: each issue is reported at the value, and the value is kept
 * without the parts of the wrong shape (so the rest is still checked, once), or dropped when even
 * that does not fit.
 */
function checkShape(value: object, shape: z.ZodType, anchors: Anchors, findings: Findings): object | undefined {
  const parsed = shape.safeParse(value);
  if (parsed.success) return value;
  const issues = preciseIssues(parsed.error.issues as readonly ShapeIssue[]);
  for (const issue of issues) {
    const key = issue.path.map(String).join(".");
    findings.error("RF1010", anchors.at(value, issue.path as (string | number)[]), key === "" ? issue.message : `${key}: ${issue.message}`);
  }
  const rest = withoutPaths(value, issues.flatMap(issuePaths));
  return shape.safeParse(rest).success ? (rest as object) : undefined;
}

/** A default export no DSL call made, so no call site: reported at the export itself. */
function notMadeBy(findings: Findings, file: string, relative: string, value: unknown, call: string, ending: string): void {
  findings.error("RF1010", { file: relative, ...exportDefaultPosition(file), path: [] }, `the default export is ${describeValue(value)}, not a ${call} value`, `end the file with \`${ending}\``);
}

/** Files with a type error; a file tsc could not parse is then reported once, with TypeScript's message. */
function verdictOf(diagnostics: readonly Diagnostic[]): TypeVerdict {
  return { diagnostics, failed: new Set(diagnostics.filter((diagnostic) => diagnostic.severity === "error").map((diagnostic) => diagnostic.file)) };
}

/** What to leave out for an issue: the value at its path, or the unknown keys it names. */
function issuePaths(issue: ShapeIssue): ValuePath[] {
  if (issue.code === "unrecognized_keys" && issue.keys !== undefined) return issue.keys.map((key) => [...issue.path, key]);
  return issue.path.length === 0 ? [] : [issue.path];
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "function") return "a function";
  if (typeof value === "object") {
    const kind = (value as { kind?: unknown }).kind;
    return typeof kind === "string" ? `a ${kind} value` : "a plain object";
  }
  return `a ${typeof value}`;
}

function isDslValue(value: unknown, kind: "policy" | "policy-tests"): value is object {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === kind;
}
