import { readFile } from "node:fs/promises";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { FatalError } from "../diagnostics/fatal-error.js";
import { LineCounter, type Document, parseDocument } from "yaml";
import type { z } from "zod";

/**
 * A value made on first use, then kept: the shapes of saved state are built only by the commands
 * that read state, so `compile`'s start-up does not pay for them.
 */
export function onFirstUse<T>(make: () => T): () => T {
  let made: { readonly value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

/** A saved state file that is not what its reader expects, at the line and column of the field. */
export interface StateFileProblem {
  /** As printed: relative to the working directory. */
  readonly file: string;
  /** 1-based; 0 when the problem is the file as a whole. */
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** A problem of a saved file as a diagnostic: unreadable state (RF1101) or what import left out (RF1102). */
export function stateProblemDiagnostic(problem: StateFileProblem, code: "RF1101" | "RF1102"): Diagnostic {
  return { code, severity: code === "RF1101" ? "error" : "warning", message: problem.message, file: problem.file, line: problem.line, column: problem.column };
}

/** Thrown by a reader when a saved file is unreadable or misshapen; `plan` reports each problem. */
export class StateFileError extends Error {
  readonly problems: readonly StateFileProblem[];

  constructor(problems: readonly StateFileProblem[]) {
    super(problems.map(({ file, line, message }) => `${file}${line > 0 ? `:${line}` : ""}: ${message}`).join("\n"));
    this.name = "StateFileError";
    this.problems = problems;
  }
}

/** The most problems reported for one file: enough to fix a shape, not a wall of text. */
const maxProblems = 10;

/**
 * Reads a saved JSON or YAML file and checks it against `shape`; undefined when it does not exist.
 * `what` names what the file should hold (`the answer of GET …/ipRestrictions/management`), so a
 * file from another tool is told apart from a damaged one.
 */
export async function readStateFile<T>(file: string, shown: string, shape: z.ZodType<T>, what: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new StateFileError([{ file: shown, line: 0, column: 0, message: `cannot be read: ${(error as Error).message}` }]);
  }
  return parseState(text, shown, shape, what);
}

/** Parses saved state text (JSON is YAML, so one parser locates fields in both). */
export function parseState<T>(text: string, shown: string, shape: z.ZodType<T>, what: string): T {
  // Most saved state is JSON of the right shape: JSON.parse is many times faster than a YAML
  // parse, which is then needed only to locate a problem.
  const fast = parseJson(text);
  if (fast.ok) {
    const parsed = shape.safeParse(fast.value);
    if (parsed.success) return parsed.data;
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: false });
  const [syntax] = document.errors;
  if (syntax !== undefined) {
    const [at] = syntax.linePos ?? [];
    const reason = syntax.message.split("\n")[0] ?? syntax.message;
    throw new StateFileError([{ file: shown, line: at?.line ?? 0, column: at?.col ?? 0, message: `is not valid JSON or YAML (${reason}); it should hold ${what}` }]);
  }
  if (document.contents === null) throw new StateFileError([{ file: shown, line: 0, column: 0, message: `is empty; it should hold ${what}` }]);
  const parsed = shape.safeParse(document.toJS());
  if (parsed.success) return parsed.data;
  throw new StateFileError(
    parsed.error.issues.slice(0, maxProblems).map((issue) => ({ file: shown, ...positionOf(document, lineCounter, issue.path), message: `${issueText(issue.path, issue.message)}; the file should hold ${what}` })),
  );
}

/** A shape problem as a person reads it: `networkRuleSet.ipRules[1]: expected string, received number`. */
export function issueText(path: readonly PropertyKey[], message: string): string {
  const field = fieldName(path);
  return `${field === "" ? "" : `${field}: `}${message.replace(/^Invalid input: /, "")}`;
}

/**
 * A live API's answer checked against the shape its saved copy has (a saved file is read with
 * {@link parseState}): a plain error naming the field when it differs.
 */
export function checkAnswer<T>(value: unknown, shape: z.ZodType<T>, answer: string, expected: string): T {
  const parsed = shape.safeParse(value);
  if (parsed.success) return parsed.data;
  const [issue] = parsed.error.issues;
  throw new Error(`${answer} answered ${issue === undefined ? "another shape" : issueText(issue.path, issue.message)}; expected ${expected}`);
}

function parseJson(text: string): { readonly ok: true; readonly value: unknown } | { readonly ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** `networkRuleSet.ipRules[2].value`, `metadata.labels["app.kubernetes.io/name"]`: the path as a person would write it. */
export function fieldName(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) => {
      if (typeof key === "number") return `[${key}]`;
      const name = String(key);
      return /^[A-Za-z_$][\w$-]*$/.test(name) ? `${index === 0 ? "" : "."}${name}` : `[${JSON.stringify(name)}]`;
    })
    .join("");
}

/**
 * Where the field is, or its nearest ancestor that exists (a missing key is reported at its
 * object); `lineOffset` when the document starts further down its file.
 */
export function positionOf(document: Document, lineCounter: LineCounter, path: readonly PropertyKey[], lineOffset = 0): { line: number; column: number } {
  for (let length = path.length; length >= 0; length--) {
    const node = document.getIn(path.slice(0, length) as unknown[], true) as { range?: [number, number, number] } | undefined;
    const offset = node?.range?.[0];
    if (offset !== undefined) {
      const { line, col } = lineCounter.linePos(offset);
      return { line: line + lineOffset, column: col };
    }
  }
  return { line: 1 + lineOffset, column: 1 };
}

/** A saved file a reader needs is not there: the state is unknown, never taken as empty. */
export class MissingStateError extends Error {
  readonly what: string;

  constructor(shown: string, what: string) {
    super(`no saved state: ${shown} does not exist`);
    this.name = "MissingStateError";
    this.what = what;
  }
}

/** As `readStateFile`, for a file that must exist. */
export async function requireStateFile<T>(file: string, shown: string, shape: z.ZodType<T>, what: string): Promise<T> {
  const value = await readStateFile(file, shown, shape, what);
  if (value === undefined) throw new MissingStateError(shown, what);
  return value;
}

/**
 * How a reader reports a failure to read: the problems of misshapen files are collected (each is
 * reported at its line), and the item says why it was not compared. Any other error (a tool that
 * failed, a state that cannot converge) is said in its message; a programming error is rethrown.
 */
export function savedStateFailure(error: unknown, problems: StateFileProblem[]): { readonly message: string; readonly hint: string | undefined } {
  if (error instanceof StateFileError) {
    problems.push(...error.problems);
    return { message: `the saved state is not what regfence reads (${error.problems.length === 1 ? "one problem" : `${error.problems.length} problems`} in ${error.problems[0]?.file ?? "it"}): not compared`, hint: undefined };
  }
  if (error instanceof MissingStateError) return { message: `${error.message}: not compared`, hint: `save ${error.what} there, or plan against the live state without --from` };
  // A bug, or a usage or configuration error (missing credentials: exit 2), is not a state that failed to read.
  const bug = error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError || error instanceof SyntaxError || error instanceof FatalError;
  if (error instanceof Error && !bug) return { message: error.message, hint: undefined };
  throw error;
}
