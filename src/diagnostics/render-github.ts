import type { Diagnostic, Severity } from "./diagnostic.js";

const workflowCommands: Readonly<Record<Severity, string>> = { error: "error", warning: "warning", info: "notice" };

/** GitHub Actions workflow commands, so each finding is annotated on the pull request's diff. */
export function renderGithub(diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .map((diagnostic) => {
      const command = workflowCommands[diagnostic.severity];
      const properties = [`file=${escapeProperty(diagnostic.file)}`];
      if (diagnostic.line > 0) properties.push(`line=${diagnostic.line}`, `col=${diagnostic.column}`);
      properties.push(`title=${escapeProperty(`regfence ${diagnostic.code}`)}`);
      const message = diagnostic.hint === undefined ? diagnostic.message : `${diagnostic.message}\nhint: ${diagnostic.hint}`;
      return `::${command} ${properties.join(",")}::${escapeData(message)}`;
    })
    .join("\n");
}

/** As @actions/core escapes command data. */
export function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** As @actions/core escapes command properties. */
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}
