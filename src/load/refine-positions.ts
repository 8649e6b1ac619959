import { readFileSync } from "node:fs";
import path from "node:path";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Finding } from "../diagnostics/finding.js";
import type { PathSegment, SourceAnchor } from "../diagnostics/source-anchor.js";
import { packageRequire } from "../package-root.js";

/**
 * Resolves findings to exact positions: from the DSL call an anchor names, down its argument path
 * (`[1, 2, "cidr"]`) to the literal the user wrote. Only syntax is needed, so the policy is parsed
 * with oxc (a native parser that loads in milliseconds) and only when there is something to place.
 */
export function refinePositions(findings: readonly Finding[], cwd: string): Diagnostic[] {
  const needsSyntax = findings.some((finding) => finding.at.path.length > 0 && finding.at.line > 0);
  const locator = needsSyntax ? new SyntaxLocator(cwd) : undefined;
  return findings.map(({ at, ...rest }) => ({ ...rest, ...(locator?.locate(at) ?? { file: at.file, line: at.line, column: at.column }) }));
}

/** The ESTree nodes the locator reads; every node has UTF-16 `start`/`end` offsets. */
interface SyntaxNode {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  readonly [key: string]: unknown;
}

interface ParsedFile {
  /** Offset of each line's first character. */
  readonly lineStarts: readonly number[];
  /** Every call expression, by start. */
  readonly calls: readonly SyntaxNode[];
}

type ParseSync = (file: string, source: string, options: { preserveParens: boolean }) => { program: SyntaxNode };

class SyntaxLocator {
  readonly #cwd: string;
  readonly #files = new Map<string, ParsedFile | undefined>();
  #parse: ParseSync | undefined;

  constructor(cwd: string) {
    this.#cwd = cwd;
  }

  locate(at: SourceAnchor): { file: string; line: number; column: number } {
    const fallback = { file: at.file, line: at.line, column: at.column };
    if (at.path.length === 0 || at.line === 0) return fallback;
    const parsed = this.#parsed(at.file);
    const lineStart = parsed?.lineStarts[at.line - 1];
    if (parsed === undefined || lineStart === undefined) return fallback;
    const call = innermostCall(parsed.calls, lineStart + at.column - 1);
    if (call === undefined) return fallback;
    let node: SyntaxNode = call;
    for (const [index, segment] of at.path.entries()) {
      const next = index === 0 && node.type === "CallExpression" ? argumentsOf(node)[Number(segment)] : step(node, segment);
      if (next === undefined) break;
      node = next;
    }
    return { file: at.file, ...lineAndColumn(parsed.lineStarts, node.start) };
  }

  #parsed(file: string): ParsedFile | undefined {
    if (this.#files.has(file)) return this.#files.get(file);
    let parsed: ParsedFile | undefined;
    try {
      const source = readFileSync(path.resolve(this.#cwd, file), "utf8");
      // `require`: oxc-parser is CommonJS with a native binding, loaded only when a finding needs placing.
      this.#parse ??= (packageRequire("oxc-parser") as { parseSync: ParseSync }).parseSync;
      const { program } = this.#parse(file, source, { preserveParens: true });
      const calls: SyntaxNode[] = [];
      collectCalls(program, calls);
      parsed = { lineStarts: lineStartsOf(source), calls: calls.sort((a, b) => a.start - b.start) };
    } catch {
      parsed = undefined;
    }
    this.#files.set(file, parsed);
    return parsed;
  }
}

function isNode(value: unknown): value is SyntaxNode {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string" && typeof (value as { start?: unknown }).start === "number";
}

function collectCalls(node: SyntaxNode, calls: SyntaxNode[]): void {
  if (node.type === "CallExpression") calls.push(node);
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) collectCalls(item, calls);
    } else if (isNode(value)) collectCalls(value, calls);
  }
}

/** The innermost call containing `position`: the last one starting at or before it that also ends after it. */
function innermostCall(calls: readonly SyntaxNode[], position: number): SyntaxNode | undefined {
  let low = 0;
  let high = calls.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((calls[middle]?.start ?? 0) <= position) low = middle + 1;
    else high = middle;
  }
  for (let index = low - 1; index >= 0; index--) {
    const candidate = calls[index];
    if (candidate !== undefined && position < candidate.end) return candidate;
  }
  return undefined;
}

function argumentsOf(call: SyntaxNode): SyntaxNode[] {
  return (call["arguments"] as SyntaxNode[] | undefined) ?? [];
}

/** Type-only and grouping wrappers around a value: `x as const`, `x satisfies T`, `(x)`, `<T>x`, `x!`. */
const wrappers = new Set(["TSAsExpression", "TSSatisfiesExpression", "ParenthesizedExpression", "TSTypeAssertion", "TSNonNullExpression"]);

/** One step down an object literal (by key) or array literal (by index); undefined if not literal. */
function step(node: SyntaxNode, segment: PathSegment): SyntaxNode | undefined {
  let target = node;
  for (;;) {
    if (wrappers.has(target.type)) target = target["expression"] as SyntaxNode;
    // Option helpers such as `externalSecret({ … })` record no call site: look into their options.
    else if (typeof segment === "string" && target.type === "CallExpression" && argumentsOf(target).length === 1) target = argumentsOf(target)[0] ?? target;
    else break;
  }
  if (typeof segment === "number" && target.type === "ArrayExpression") {
    const element = (target["elements"] as (SyntaxNode | null)[])[segment];
    return element ?? undefined;
  }
  if (typeof segment === "string" && target.type === "ObjectExpression") {
    const property = (target["properties"] as SyntaxNode[]).find((candidate) => candidate.type === "Property" && keyName(candidate) === segment);
    if (property === undefined) return undefined;
    return property["shorthand"] === true || property["kind"] !== "init" || property["method"] === true ? property : (property["value"] as SyntaxNode);
  }
  return undefined;
}

/** The name a property's key spells: `a`, `"a"` or `1`; undefined for a computed key. */
function keyName(property: SyntaxNode): string | undefined {
  if (property["computed"] === true) return undefined;
  const key = property["key"] as SyntaxNode;
  if (key.type === "Identifier") return key["name"] as string;
  if (key.type === "Literal") return String(key["value"]);
  return undefined;
}

function lineStartsOf(source: string): number[] {
  const starts = [0];
  for (const match of source.matchAll(/\r\n|\r|\n|\u2028|\u2029/g)) starts.push((match.index ?? 0) + match[0].length);
  return starts;
}

function lineAndColumn(lineStarts: readonly number[], offset: number): { line: number; column: number } {
  let low = 0;
  let high = lineStarts.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((lineStarts[middle] ?? 0) <= offset) low = middle + 1;
    else high = middle;
  }
  return { line: low, column: offset - (lineStarts[low - 1] ?? 0) + 1 };
}
