import { type Diagnostic, hasErrors } from "../diagnostics/diagnostic.js";
import { renderGithub } from "../diagnostics/render-github.js";
import { countSummary, renderPretty } from "../diagnostics/render-pretty.js";
import type { StaleFile } from "../output/stale-files.js";
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
  const glyph = hasErrors(diagnostics) ? "✖" : diagnostics.some((diagnostic) => diagnostic.severity === "warning") ? "⚠" : "ℹ";
  process.stderr.write(`${glyph} ${summary}\n`);
}

export function printJson(document: unknown): void {
  process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
}

const staleReasons: Readonly<Record<StaleFile["problem"], string>> = {
  stale: "differs from what the policies compile to",
  missing: "is missing: the policies compile to it",
  extra: "is extra: no target emits it any more",
};

/** One workflow annotation per stale file, so CI marks each on the pull request. */
export function renderStaleAnnotations(stale: readonly StaleFile[], out: string): string {
  return renderGithub(
    stale.map(({ path: file, problem }) => ({
      code: "stale-output",
      severity: "error",
      message: `${out}/${file} ${staleReasons[problem]}; run \`regfence compile\` and commit the result`,
      file: `${out}/${file}`,
      line: 0,
      column: 0,
    })),
  );
}
