import { parseArgs } from "node:util";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { countSummary } from "../diagnostics/render-pretty.js";
import { loadConfig } from "../config/load-config.js";
import { runPipeline } from "../pipeline/run-pipeline.js";
import { parseFormat, parseTargets, policies, policyCommandOptions } from "./options.js";
import { printDiagnostics, printJson } from "./report.js";

export const validateHelp = `Usage: regfence validate [FILE|DIR …] [options]

Checks policies exactly as compile does (type-check, evaluation, IR and target rules) and writes
nothing.

Options:
  --config FILE        config file (default: searched in the working directory)
  --target NAME,…      only check the rules of these targets (default: all configured)
  --format FORMAT      pretty (default), json or github (workflow annotations)
  --no-typecheck       skip type-checking
  -h, --help           show this help

Exit codes: 0 valid, 1 policy errors, 2 usage, config or internal error.`;

export async function validateCommand(args: readonly string[], cwd: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      ...policyCommandOptions,
      target: { type: "string", multiple: true },
      format: { type: "string" },
    },
  });
  if (values.help) {
    process.stdout.write(`${validateHelp}\n`);
    return 0;
  }
  const format = parseFormat(values.format);
  const targets = parseTargets(values.target);
  const config = await loadConfig(cwd, values.config);
  const result = await runPipeline({
    cwd,
    config,
    paths: positionals,
    targets,
    typeCheck: config.typeCheck && !values["no-typecheck"],
    emit: false,
    secrets: false,
  });
  const ok = !hasErrors(result.diagnostics);
  if (format === "json") {
    printJson({ ok, policies: result.policyFiles.length, diagnostics: result.diagnostics });
  } else {
    printDiagnostics(result.diagnostics, format, cwd);
    if (ok) process.stdout.write(`${policies(result.policyFiles.length)} valid${result.diagnostics.length > 0 ? ` (${countSummary(result.diagnostics)})` : ""}\n`);
  }
  return ok ? 0 : 1;
}
