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
      const shape = policyShape.safeParse(value);
      if (shape.success) {
        policies.push({ file: relative, value: value as Policy, anchors });
        continue;
      }
      for (const issue of shape.error.issues) {
        const key = issue.path.map(String).join(".");
        const message = key === "" ? issue.message : `${key}: ${issue.message}`;
        findings.error("RF1010", anchors.at(value, issue.path as (string | number)[]), isPolicy(value) ? message : `the default export is not a definePolicy(…) value: ${message}`);
      }
    }
    return { policies, diagnostics: [...typeDiagnostics, ...bundleDiagnostics, ...evaluated.diagnostics], findings };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

function isPolicy(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "policy";
}
