import type { ProgramNode } from "../ir/model.js";

/** What `regfence apply <target>` asks of a target. */
export interface ApplyRequest {
  /** Read and compare only: change nothing. */
  readonly dryRun: boolean;
  /** The names given with `--<selector>` (each one the target knows); undefined: every one. */
  readonly only: ReadonlySet<string> | undefined;
  /** Where credentials and endpoints come from. */
  readonly environment: Readonly<Record<string, string | undefined>>;
}

/**
 * One part of an applied thing (an OVH registry's `management` list): what differs, line by line,
 * and what happened: `in-sync` (nothing to do), `pending` (a dry run would change it), `sent`
 * (changed, but reading it back did not confirm it) or `confirmed`.
 */
export interface AppliedPart {
  readonly part: string;
  readonly action: "in-sync" | "pending" | "sent" | "confirmed";
  /** The outcome as the summary line says it, e.g. `1 to add, 1 to remove: would PUT (1 entry)`. */
  readonly outcome: string;
  /** The differences, one per line (`+ 192.0.2.0/24 "office"`). */
  readonly lines: readonly string[];
  /** The same for `--format json`. */
  readonly json: unknown;
}

/** One thing applied (an OVH registry), where it lives, its parts, and why it stopped if it did. */
export interface AppliedItem {
  readonly name: string;
  readonly where: string;
  readonly parts: readonly AppliedPart[];
  readonly failure: { readonly message: string; readonly hint: string | undefined } | undefined;
  readonly json: Readonly<Record<string, unknown>>;
}

export interface ApplyReport {
  readonly items: readonly AppliedItem[];
  /** The closing line for a person (e.g. how long changes take to propagate). */
  readonly summary: string;
}

/**
 * The optional `apply` of a target: it reads the live state, changes only what differs (unless a
 * dry run), reads back to confirm, and reports. The CLI prints the report and decides the exit code.
 */
export interface TargetApply<Options> {
  /** The word of `--<selector> NAME`, which picks among the things applied (`registry`). */
  readonly selector: string;
  /** The plural of what it applies, for messages (`registries`). */
  readonly plural: string;
  /** The help text's lines about the environment it reads. */
  readonly environmentHelp: string;
  /** The names of the things the policies declare, in order. */
  names(program: ProgramNode, options: Options): readonly string[];
  run(program: ProgramNode, options: Options, request: ApplyRequest): Promise<ApplyReport>;
}
