import { readFileSync } from "node:fs";
import path from "node:path";
import type { Diagnostic, Severity } from "./diagnostic.js";

/** ANSI colours: bold red, yellow, cyan. */
const severityColors: Readonly<Record<Severity, string>> = { error: "31;1", warning: "33;1", info: "36;1" };

/**
 * Human-readable diagnostics in the `file:line:col` form editors and terminals link, each with
 * the offending source line and a caret under the column.
 */
export function renderPretty(diagnostics: readonly Diagnostic[], cwd: string, color: boolean): string {
  const paint = (code: string, text: string): string => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const sources = new Map<string, string[] | undefined>();
  const lines = (file: string): string[] | undefined => {
    if (!sources.has(file)) {
      try {
        sources.set(file, readFileSync(path.resolve(cwd, file), "utf8").split(/\r?\n/));
      } catch {
        sources.set(file, undefined);
      }
    }
    return sources.get(file);
  };
  const blocks = diagnostics.map((diagnostic) => {
    const where = diagnostic.line > 0 ? `${visible(diagnostic.file)}:${diagnostic.line}:${diagnostic.column}` : visible(diagnostic.file);
    const severity = paint(severityColors[diagnostic.severity], diagnostic.severity);
    const out = [`${paint("1", where)} ${severity} ${paint("2", diagnostic.code)} ${visible(diagnostic.message)}`];
    const sourceLine = diagnostic.line > 0 ? lines(diagnostic.file)?.[diagnostic.line - 1] : undefined;
    if (sourceLine !== undefined) {
      const gutter = String(diagnostic.line);
      out.push(`  ${paint("2", gutter)} | ${visible(sourceLine, "\t")}`);
      out.push(`  ${" ".repeat(gutter.length)} | ${" ".repeat(Math.max(diagnostic.column - 1, 0))}${paint("31", "^")}`);
    }
    if (diagnostic.hint !== undefined) out.push(`  ${paint("36", "hint:")} ${visible(diagnostic.hint)}`);
    return out.join("\n");
  });
  return blocks.join("\n\n");
}

/**
 * Control characters, line and paragraph separators and bidirectional overrides, shown as
 * escapes: a value in a message can neither forge a diagnostic line nor drive the terminal.
 */
const invisible = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

export function visible(text: string, keep = ""): string {
  return text.replace(invisible, (character) => {
    if (keep.includes(character)) return character;
    const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
    return named[character] ?? `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

/** "2 errors, 1 warning" — or nothing when there is nothing to say. */
export function countSummary(diagnostics: readonly Diagnostic[]): string {
  const count = (severity: Diagnostic["severity"], noun: string): string | undefined => {
    const n = diagnostics.filter((diagnostic) => diagnostic.severity === severity).length;
    return n === 0 ? undefined : `${n} ${noun}${n === 1 ? "" : "s"}`;
  };
  return [count("error", "error"), count("warning", "warning"), count("info", "note")].filter((part) => part !== undefined).join(", ");
}
