import { type Diagnostic, hasErrors } from "../diagnostics/diagnostic.js";
import { renderGithub } from "../diagnostics/render-github.js";
import { countSummary, renderPretty } from "../diagnostics/render-pretty.js";
import type { OutputFormat } from "./options.js";

/** Prints diagnostics in the chosen format (not json: the command prints one document itself). */
export function printDiagnostics(diagnostics: readonly Diagnostic[], format: OutputFormat, cwd: string): void {
  if (diagnostics.length === 0 || format === "json") return;
  if (format === "github") {
    process.stdout.write(`${renderGithub(diagnostics)}\n`);
    return;
  }
  process.stderr.write(`${renderPretty(diagnostics, cwd, process.stderr.isTTY === true && process.env["NO_COLOR"] === undefined)}\n\n`);
  const summary = countSummary(diagnostics);
  process.stderr.write(`${hasErrors(diagnostics) ? "✖" : "⚠"} ${summary}\n`);
}

export function printJson(document: unknown): void {
  process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
}
