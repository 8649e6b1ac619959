import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { type Finding, Findings } from "../diagnostics/finding.js";
import type { Policy } from "../dsl/index.js";
import type { LoadedPolicy } from "../ir/build-program.js";
import { Anchors } from "./anchors.js";
import { bundlePolicies } from "./bundle.js";
import { evaluatePolicies } from "./evaluate.js";
import { exportDefaultPosition } from "./text-positions.js";
import { type ValuePath, withoutPaths } from "./prune-invalid.js";
import { relativeToCwd } from "./paths.js";
import { policyShape } from "./policy-shape.js";
import { SourceMapper } from "./source-maps.js";
import { typeCheck } from "./type-check.js";
import { preciseIssues, type ShapeIssue } from "./shape-issues.js";

/** The most files type-checked while they are also bundled and evaluated (see loadPolicies). */
const overlapLimit = 250;

export interface LoadResult {
  readonly policies: readonly LoadedPolicy[];
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
    diagnostics: load.diagnostics.filter((diagnostic) => !failed.has(diagnostic.file)),
    findings: load.findings.filter((finding) => !failed.has(finding.at.file)),
  };
}

/**
 * Loads policy files: type-check (native tsc), bundle (esbuild), evaluate each entry, then check
 * the shape of each default export. A file that fails any step is reported and left out; the rest
 * go on, so one run reports every broken file.
 */
export async function loadPolicies(paths: readonly string[], cwd: string, options: { typeCheck: boolean }): Promise<DeferredLoad> {
  const files = paths.map((file) => path.resolve(cwd, file));
  // tsc is a process of its own: it runs beside bundling, evaluation and everything after them.
  // Beside a large set, tsc and this process would each hold a large program at once: past
  // `overlapLimit` files the check runs first, so the process tree holds one of them at a time.
  const besideOtherWork = files.length <= overlapLimit;
  const typeChecking = options.typeCheck ? typeCheck(files, cwd, { besideOtherWork }).then(verdictOf) : Promise.resolve({ diagnostics: [], failed: new Set<string>() });
  // Awaited by the caller; until then a rejection must not count as unhandled.
  typeChecking.catch(() => undefined);
  if (!besideOtherWork) await typeChecking.catch(() => undefined);
  const findings = new Findings();
  const outdir = await mkdtemp(path.join(tmpdir(), "regfence-eval-"));
  try {
    const bundled = await bundlePolicies(files, outdir, cwd);
    const bundleDiagnostics = bundled.diagnostics;
    const bundle = bundled.bundle;
    const mapper = new SourceMapper(bundle.sourceMaps, cwd);
    const evaluated = await evaluatePolicies(bundle, mapper, cwd);
    const policies: LoadedPolicy[] = [];
    for (const { file, value } of evaluated.policies) {
      const relative = relativeToCwd(file, cwd);
      const anchors = new Anchors(mapper, relative);
      if (!isPolicy(value)) {
        // Not made by a DSL call, so no call site: point at the export itself.
        findings.error(
          "RF1010",
          { file: relative, ...exportDefaultPosition(file), path: [] },
          `the default export is ${describeValue(value)}, not a definePolicy(…) value`,
          "end the file with `export default definePolicy({ … })`",
        );
        continue;
      }
      const shape = policyShape.safeParse(value);
      if (shape.success) {
        policies.push({ file: relative, value: value as Policy, anchors });
        continue;
      }
      const issues = preciseIssues(shape.error.issues as readonly ShapeIssue[]);
      for (const issue of issues) {
        const key = issue.path.map(String).join(".");
        findings.error("RF1010", anchors.at(value, issue.path as (string | number)[]), key === "" ? issue.message : `${key}: ${issue.message}`);
      }
      // The rest of the policy is still checked: without the values of the wrong shape, once.
      const rest = withoutPaths(value, issues.flatMap(issuePaths));
      if (policyShape.safeParse(rest).success) policies.push({ file: relative, value: rest as Policy, anchors });
    }
    return { policies, diagnostics: [...bundleDiagnostics, ...evaluated.diagnostics], findings: findings.all, typeCheck: typeChecking };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
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

function isPolicy(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "policy";
}
