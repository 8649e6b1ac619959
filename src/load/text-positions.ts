import { readFileSync } from "node:fs";

/** A 1-based position in a policy file. */
export interface FilePosition {
  readonly line: number;
  readonly column: number;
}

/**
 * Where a policy file's `export default` is: the place to point at when the default export is
 * not made by a DSL call and so carries no call site. Line 0 when none is found.
 */
export function exportDefaultPosition(absoluteFile: string): FilePosition {
  const [first] = positionsOf(absoluteFile, /\bexport\s+default\b/g);
  return first ?? { line: 0, column: 0 };
}

/** The policy's `throw`, when it has exactly one: where a thrown non-Error (no stack) came from. */
export function throwPosition(absoluteFile: string): FilePosition | undefined {
  const found = positionsOf(absoluteFile, /\bthrow\b/g);
  return found.length === 1 ? found[0] : undefined;
}

/**
 * The positions of a pattern in a file's code. Comments are skipped; a string holding the words
 * could still match, which only moves the caret.
 */
function positionsOf(absoluteFile: string, pattern: RegExp): FilePosition[] {
  let text: string;
  try {
    text = readFileSync(absoluteFile, "utf8");
  } catch {
    return [];
  }
  // Blank out comments, keeping every other character (and line break) in place.
  const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (comment) => comment.replace(/[^\n]/g, " "));
  return [...code.matchAll(pattern)].map((match) => {
    const before = code.slice(0, match.index).split("\n");
    return { line: before.length, column: (before.at(-1) ?? "").length + 1 };
  });
}
