import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { Findings } from "../diagnostics/finding.js";
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

export interface LoadResult {
  readonly policies: readonly LoadedPolicy[];
  /** Problems with positions already final (type errors, parse and evaluation failures). */
  readonly diagnostics: readonly Diagnostic[];
  /** Shape problems, anchored at DSL calls; positions are refined when reported. */
  readonly findings: Findings;
}

/**
 * Loads policy files: type-check (native tsc), bundle (esbuild), evaluate each entry, then check
 * the shape of each default export. A file that fails any step is reported and left out; the rest
 * go on, so one run reports every broken file.
 */
export async function loadPolicies(paths: readonly string[], cwd: string, options: { typeCheck: boolean }): Promise<LoadResult> {
  const files = paths.map((file) => path.resolve(cwd, file));
  const findings = new Findings();
  const outdir = await mkdtemp(path.join(tmpdir(), "regfence-eval-"));
  try {
    // tsc and esbuild are separate processes: run them side by side, then keep the verdicts.
    const [typeDiagnostics, bundled] = await Promise.all([options.typeCheck ? typeCheck(files, cwd) : [], bundlePolicies(files, outdir, cwd)]);
    const failed = new Set(typeDiagnostics.filter((diagnostic) => diagnostic.severity === "error").map((diagnostic) => path.resolve(cwd, diagnostic.file)));
    // A file tsc could not parse is reported once, with TypeScript's own message.
    const bundleDiagnostics = bundled.diagnostics.filter((diagnostic) => !failed.has(path.resolve(cwd, diagnostic.file)));
    const bundle = { ...bundled.bundle, entries: new Map([...bundled.bundle.entries].filter(([file]) => !failed.has(file))) };
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
      for (const issue of shape.error.issues) {
        const key = issue.path.map(String).join(".");
        findings.error("RF1010", anchors.at(value, issue.path as (string | number)[]), key === "" ? issue.message : `${key}: ${issue.message}`);
      }
      // The rest of the policy is still checked: without the values of the wrong shape, once.
      const rest = withoutPaths(value, shape.error.issues.flatMap(issuePaths));
      if (policyShape.safeParse(rest).success) policies.push({ file: relative, value: rest as Policy, anchors });
    }
    return { policies, diagnostics: [...typeDiagnostics, ...bundleDiagnostics, ...evaluated.diagnostics], findings };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

/** What to leave out for an issue: the value at its path, or the unknown keys it names. */
function issuePaths(issue: { readonly code: string; readonly path: readonly PropertyKey[]; readonly keys?: readonly string[] }): ValuePath[] {
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
