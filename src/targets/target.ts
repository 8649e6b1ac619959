import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Finding } from "../diagnostics/finding.js";
import type { Artifact } from "../output/artifact.js";
import type { ProgramNode } from "../ir/model.js";
import type { TemplateRenderer } from "../render/template-renderer.js";
import type { TargetApply } from "./target-apply.js";
import type { TargetOptionsSpec } from "./target-options.js";
import type { TargetState } from "./target-state.js";

export interface EmitContext<Options = undefined> {
  readonly render: TemplateRenderer;
  /** The target's own section of the config, defaults applied (undefined for a target without one). */
  readonly options: Options;
  /** `--secrets`: credentials may be read and secret artifacts written. */
  readonly secrets: boolean;
  /** Where the run is: the config's out dir and the project root (absolute), for files that link back to policies. */
  readonly workspace?: { readonly outDir: string; readonly projectRoot: string; readonly cwd: string };
  /** What validation found (warnings and notes; emission runs only without errors), for targets that show it. */
  readonly diagnostics?: readonly Diagnostic[];
}

/** What a target returns: its artifacts and any problems met while emitting. */
export interface Emission {
  readonly artifacts: readonly Artifact[];
  readonly findings: readonly Finding[];
  /** Lines for the compile summary that an operator must act on. */
  readonly notes: readonly string[];
}

/**
 * The contract every emitter implements. Targets read only the IR: validation first (every
 * problem collected), emission only when no error was found anywhere. A target with a section in
 * the config declares it in `options` (its schema and defaults, in the target's folder).
 */
export interface Target<Name extends string = string, Options = undefined, Written = unknown> {
  readonly name: Name;
  readonly options?: TargetOptionsSpec<Written, Options>;
  /** Directories under the out dir this target owns: files there that it did not emit are extra. */
  outputRoots(context: { readonly secrets: boolean }): readonly string[];
  validate(program: ProgramNode): readonly Finding[];
  emit(program: ProgramNode, context: EmitContext<Options>): Emission | Promise<Emission>;
  /** `regfence apply <target>`, for a target managed through an API. */
  readonly apply?: TargetApply<Options>;
  /** `regfence plan`: reading the live (or saved) state back and comparing it with the policies. */
  readonly state?: TargetState<Options>;
}

/** Any target, as the pipeline handles them all alike (each gets the options its spec resolved). */
export type AnyTarget = Target<string, unknown>;
