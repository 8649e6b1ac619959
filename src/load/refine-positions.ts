import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Finding } from "../diagnostics/finding.js";
import type { PathSegment, SourceAnchor } from "../ir/source-anchor.js";

/**
 * Resolves findings to exact positions: from the DSL call an anchor names, down its argument path
 * (`[1, 2, "cidr"]`) to the literal the user wrote. ts-morph is loaded only when there is
 * something to report, so clean compiles never pay for it.
 */
export function refinePositions(findings: readonly Finding[], cwd: string): Diagnostic[] {
  const needsSyntax = findings.some((finding) => finding.at.path.length > 0 && finding.at.line > 0);
  const locator = needsSyntax ? SyntaxLocator.create(cwd) : undefined;
  return findings.map(({ at, ...rest }) => ({ ...rest, ...(locator?.locate(at) ?? { file: at.file, line: at.line, column: at.column }) }));
}

type Morph = typeof import("ts-morph");

class SyntaxLocator {
  readonly #morph: Morph;
  readonly #project: import("ts-morph").Project;
  readonly #cwd: string;
  /** Each file's call expressions by start, found once: locating stays linear in the findings. */
  readonly #calls = new Map<import("ts-morph").SourceFile, import("ts-morph").CallExpression[]>();

  private constructor(morph: Morph, cwd: string) {
    this.#morph = morph;
    this.#cwd = cwd;
    this.#project = new morph.Project({ useInMemoryFileSystem: true, compilerOptions: { allowJs: true } });
  }

  static create(cwd: string): SyntaxLocator {
    // `require`, not `import()`: loading ts-morph's TypeScript as CommonJS is ~100 ms faster.
    return new SyntaxLocator(createRequire(import.meta.url)("ts-morph") as Morph, cwd);
  }

  locate(at: SourceAnchor): { file: string; line: number; column: number } {
    const fallback = { file: at.file, line: at.line, column: at.column };
    if (at.path.length === 0 || at.line === 0) return fallback;
    const source = this.#sourceFile(at.file);
    if (source === undefined) return fallback;
    const { Node, SyntaxKind } = this.#morph;
    let position: number;
    try {
      position = source.compilerNode.getPositionOfLineAndCharacter(at.line - 1, at.column - 1);
    } catch {
      return fallback;
    }
    const call = this.#innermostCall(source, position, SyntaxKind.CallExpression);
    if (call === undefined) return fallback;
    let node: import("ts-morph").Node = call;
    for (const [index, segment] of at.path.entries()) {
      const next = index === 0 && Node.isCallExpression(node) ? node.getArguments()[Number(segment)] : step(this.#morph, node, segment);
      if (next === undefined) break;
      node = next;
    }
    const { line, column } = source.getLineAndColumnAtPos(node.getStart());
    return { file: at.file, line, column };
  }

  /** The innermost call containing `position`: the last one starting at or before it that also ends after it. */
  #innermostCall(source: import("ts-morph").SourceFile, position: number, kind: import("ts-morph").SyntaxKind.CallExpression): import("ts-morph").CallExpression | undefined {
    let calls = this.#calls.get(source);
    if (calls === undefined) {
      calls = source.getDescendantsOfKind(kind).sort((a, b) => a.getStart() - b.getStart());
      this.#calls.set(source, calls);
    }
    let low = 0;
    let high = calls.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((calls[middle]?.getStart() ?? 0) <= position) low = middle + 1;
      else high = middle;
    }
    for (let index = low - 1; index >= 0; index--) {
      const candidate = calls[index];
      if (candidate !== undefined && position < candidate.getEnd()) return candidate;
    }
    return undefined;
  }

  #sourceFile(file: string): import("ts-morph").SourceFile | undefined {
    const existing = this.#project.getSourceFile(file);
    if (existing !== undefined) return existing;
    try {
      return this.#project.createSourceFile(file, readFileSync(path.resolve(this.#cwd, file), "utf8"));
    } catch {
      return undefined;
    }
  }
}

/** One step down an object literal (by key) or array literal (by index); undefined if not literal. */
function step(morph: Morph, node: import("ts-morph").Node, segment: PathSegment): import("ts-morph").Node | undefined {
  const { Node } = morph;
  let target = node;
  for (;;) {
    if (Node.isAsExpression(target) || Node.isSatisfiesExpression(target) || Node.isParenthesizedExpression(target)) target = target.getExpression();
    // Option helpers such as `externalSecret({ … })` record no call site: look into their options.
    else if (typeof segment === "string" && Node.isCallExpression(target) && target.getArguments().length === 1) target = target.getArguments()[0] ?? target;
    else break;
  }
  if (typeof segment === "number" && Node.isArrayLiteralExpression(target)) return target.getElements()[segment];
  if (typeof segment === "string" && Node.isObjectLiteralExpression(target)) {
    const property = target.getProperty(segment);
    if (Node.isPropertyAssignment(property)) return property.getInitializer() ?? property;
    return property;
  }
  return undefined;
}
