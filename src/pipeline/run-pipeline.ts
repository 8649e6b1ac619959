import { type Diagnostic, hasErrors, sortDiagnostics } from "../diagnostics/diagnostic.js";
import { FatalError } from "../diagnostics/fatal-error.js";
import { buildProgram } from "../ir/build-program.js";
import type { ProgramNode } from "../ir/model.js";
import type { ResolvedConfig } from "../config/load-config.js";
import { discoverPolicies } from "../load/discover.js";
import { withPolicyTests } from "../load/attach-policy-tests.js";
import { type LoadResult, loadPolicies, withoutFiles } from "../load/load-policies.js";
import { refinePositions } from "../load/refine-positions.js";
import { checkArtifact } from "../render/check-artifact.js";
import { TemplateRenderer } from "../render/template-renderer.js";
import { type TargetName, targetNamed, targetNames } from "../targets/all-targets.js";
import type { AnyTarget } from "../targets/target.js";
import type { Artifact } from "../output/artifact.js";

export interface PipelineOptions {
  readonly cwd: string;
  readonly config: ResolvedConfig;
  /** Files and directories from the command line; the config's globs when empty. */
  readonly paths: readonly string[];
  /** `--target`; the config's `targets`, else all, when undefined. */
  readonly targets: readonly TargetName[] | undefined;
  readonly typeCheck: boolean;
  /** Emit artifacts (compile) or stop after validation (validate). */
  readonly emit: boolean;
  readonly secrets: boolean;
  /** Targets validated besides those emitted (`regfence report` shows every target's warnings); default: the emitted ones. */
  readonly validateTargets?: readonly TargetName[];
}

export interface TargetOutput {
  readonly target: AnyTarget;
  readonly artifacts: readonly Artifact[];
}

export interface PipelineResult {
  readonly policyFiles: readonly string[];
  readonly targets: readonly AnyTarget[];
  readonly program: ProgramNode | undefined;
  /** Sorted; every problem found, not just the first. */
  readonly diagnostics: readonly Diagnostic[];
  /** Per target; no artifacts at all when any error was found: output is all or nothing. */
  readonly outputs: readonly TargetOutput[];
  readonly notes: readonly string[];
}

/** load → IR → validate → emit, and every artifact parsed back and checked. Prints nothing. */
export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const { cwd, config } = options;
  const targets = (options.targets ?? config.targets ?? targetNames).map(targetNamed);
  const policyFiles = await discoverPolicies(options.paths, config.policies, config.baseDirectory, cwd);
  if (policyFiles.length === 0) {
    const where = options.paths.length > 0 ? options.paths.join(", ") : config.policies.join(", ");
    throw new FatalError("usage", `no policy files found in ${where}`);
  }
  const loaded = await loadPolicies(policyFiles, cwd, { typeCheck: options.typeCheck });
  // Everything runs while tsc checks the same files; its verdict is awaited only at the end.
  const optimistic = await validateAndEmit(loaded, targets, options);
  const verdict = await loaded.typeCheck;
  if (verdict.failed.size === 0) return { policyFiles, targets, ...optimistic, diagnostics: sortDiagnostics([...verdict.diagnostics, ...optimistic.diagnostics]) };
  // A file that does not type-check is left out, and the rest validated again without it.
  const checked = await validateAndEmit(withoutFiles(loaded, verdict.failed), targets, { ...options, emit: false });
  return { policyFiles, targets, ...checked, diagnostics: sortDiagnostics([...verdict.diagnostics, ...checked.diagnostics]) };
}

async function validateAndEmit(
  loaded: LoadResult,
  targets: readonly AnyTarget[],
  options: PipelineOptions,
): Promise<Pick<PipelineResult, "program" | "diagnostics" | "outputs" | "notes">> {
  const { cwd, config } = options;
  const { program, findings } = buildProgram(withPolicyTests(loaded), { cwd, projectRoot: config.baseDirectory });
  const validated = options.validateTargets === undefined ? targets : [...new Set([...targets, ...options.validateTargets.map(targetNamed)])];
  const targetFindings = validated.flatMap((target) => target.validate(program));
  let diagnostics = [...loaded.diagnostics, ...refinePositions([...loaded.findings, ...findings, ...targetFindings], cwd)];
  if (!options.emit || hasErrors(diagnostics)) return { program, diagnostics, outputs: [], notes: [] };
  const render = new TemplateRenderer(config.templates);
  const outputs: TargetOutput[] = [];
  const notes: string[] = [];
  for (const target of targets) {
    // Links from the out dir back to the policies assume the config's out dir, so the bytes do not depend on --out.
    const workspace = { outDir: config.outDir, projectRoot: config.baseDirectory, cwd };
    const emission = await target.emit(program, { render, secrets: options.secrets, options: config.targetOptions[target.name as TargetName], workspace, diagnostics });
    emission.artifacts.forEach(checkArtifact);
    outputs.push({ target, artifacts: emission.artifacts });
    notes.push(...emission.notes);
    diagnostics = [...diagnostics, ...refinePositions(emission.findings, cwd)];
  }
  const failed = hasErrors(diagnostics);
  return { program, diagnostics, outputs: failed ? [] : outputs, notes: failed ? [] : notes };
}
