import type { Finding } from "../diagnostics/finding.js";
import type { ProgramNode } from "../ir/model.js";
import type { Artifact } from "../output/artifact.js";
import type { PolicyDraftFields } from "../render/policy-draft.js";
import type { ImportPlace } from "./import-networks.js";
import { savedStateFailure, type StateFileProblem } from "./saved-state.js";
import type { AppliedItem, TargetApply } from "./target-apply.js";

/** Where `regfence plan` reads a target's state: the live system, or files saved from it. */
export type StateSource =
  | { readonly kind: "live"; readonly environment: Readonly<Record<string, string | undefined>> }
  | SavedSource;

/** `--from DIR`: `dir` is DIR/<target>, `shown` the same as printed (relative to the working directory). */
export interface SavedSource {
  readonly kind: "saved";
  readonly dir: string;
  readonly shown: string;
}

/**
 * What a target's state differs in from what the policies compile to. Items are reported as a dry
 * run of `apply` reports them: parts `in-sync` or `pending`, or a failure when the state could not
 * be read (what could not be read is never reported as in sync).
 */
export interface DriftReport {
  readonly items: readonly AppliedItem[];
  /** What would fight regfence's output or is near a limit (a quota, another owner), at the policy line concerned. */
  readonly findings: readonly Finding[];
  /** Saved files that are not what the reader expects, each at the file, line and field. */
  readonly problems: readonly StateFileProblem[];
}

/** The optional `plan` of a target: it reads the state and compares it with the compiled policies. */
export interface TargetState<Options> {
  /** What one item is (`registry`), and several (`registries`), for messages. */
  readonly noun: string;
  readonly plural: string;
  /** The help text's lines on what `--from DIR` reads under DIR/<target>/, and how to save it. */
  readonly savedHelp: string;
  /** The help text's lines on what a live read needs. */
  readonly liveHelp: string;
  /** The names of the things the policies declare for this target; none: nothing to read. */
  names(program: ProgramNode, options: Options): readonly string[];
  read(request: StateRequest<Options>): Promise<DriftReport>;
  /** `regfence import <target>`: the state as policy parts, if the target can be adopted. */
  readonly import?: TargetImport;
}

/** What a target's state becomes in an imported policy. */
export interface ImportedState {
  /** The address lists read, factored into networks with those of the other targets imported. */
  readonly places: readonly ImportPlace[];
  /** DSL values, whose address lists are `PlaceUse`s. */
  readonly fields: PolicyDraftFields;
  /** What could not be translated into the policy, each at the input it came from. */
  readonly untranslated: readonly StateFileProblem[];
  /** Saved files that are not what the reader expects. */
  readonly problems: readonly StateFileProblem[];
  /** Things that could not be read at all (their whole state is unknown). */
  readonly failures: readonly string[];
  /** Environment variables the policy reads credentials from (names, never values). */
  readonly variables: readonly string[];
}

export interface TargetImport {
  /** The help text's lines on what import reads. */
  readonly help: string;
  read(source: StateSource): Promise<ImportedState>;
}

/** What a reader is given: the policies, the target's options and files as `compile` emits them, and where to read. */
export interface StateRequest<Options> {
  readonly program: ProgramNode;
  readonly options: Options;
  readonly artifacts: readonly Artifact[];
  readonly source: StateSource;
}

/**
 * The `read` of a target managed through its own `apply`: live, a dry run of that apply (so `plan`
 * and `apply --dry-run` cannot disagree); saved, each thing the policies declare read by `saved`.
 */
export function readThroughApply<Options, Thing>(
  apply: TargetApply<Options>,
  things: (program: ProgramNode, options: Options) => readonly Thing[],
  saved: (thing: Thing, source: SavedSource, problems: StateFileProblem[]) => Promise<AppliedItem>,
): TargetState<Options>["read"] {
  return async ({ program, options, source }) => {
    if (source.kind === "live") {
      const report = await apply.run(program, options, { dryRun: true, only: undefined, environment: source.environment });
      return { items: report.items, findings: [], problems: [] };
    }
    const problems: StateFileProblem[] = [];
    const items: AppliedItem[] = [];
    for (const thing of things(program, options)) items.push(await saved(thing, source, problems));
    return { items, findings: [], problems };
  };
}

/**
 * Reads and compares each thing in turn: one whose state cannot be read is reported as a failure
 * (with its saved file's problems), and the others are still read.
 */
export async function readEach<Thing>(
  things: readonly Thing[],
  identify: (thing: Thing) => Pick<AppliedItem, "name" | "where" | "json">,
  compare: (thing: Thing) => Promise<AppliedItem>,
  problems: StateFileProblem[],
): Promise<AppliedItem[]> {
  const items: AppliedItem[] = [];
  for (const thing of things) {
    try {
      items.push(await compare(thing));
    } catch (error) {
      items.push({ ...identify(thing), parts: [], failure: savedStateFailure(error, problems) });
    }
  }
  return items;
}
