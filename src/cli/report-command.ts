import { parseArgs } from "node:util";
import { loadConfig } from "../config/load-config.js";
import { FatalError } from "../diagnostics/fatal-error.js";
import { targetNames } from "../targets/all-targets.js";
import { compileCommand } from "./compile.js";

export const reportHelp = `Usage: regfence report [--out DIR] [--check] [--config FILE] [--no-typecheck]

Writes the access report, DIR/report/index.html (one self-contained page: no script, nothing
fetched, printable) and DIR/report/report.md: who reaches which endpoint, the route and verdict of
every upstream and allowed registry, the node mirrors' pulls, and every warning of every target,
each linked to the policy line that decides it. \`regfence compile\` writes the same files.

Options:
  --out DIR            output directory (default: the config's outDir, else out)
  --check              write nothing; exit 1 if the report is stale
  --config FILE        config file (default: searched in the working directory)
  --no-typecheck       skip type-checking
  -h, --help           show this help`;

/** `regfence report`: the report target alone, validated against every target so that it lists every warning. */
export async function reportCommand(args: readonly string[], cwd: string): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { out: { type: "string" }, check: { type: "boolean", default: false }, config: { type: "string" }, "no-typecheck": { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } },
  });
  if (values.help) {
    process.stdout.write(`${reportHelp}\n`);
    return 0;
  }
  const config = await loadConfig(cwd, values.config);
  if (config.targets !== undefined && !config.targets.includes("report")) throw new FatalError("config", "the config's targets do not include report");
  const forwarded = [
    "--target",
    "report",
    ...(values.out === undefined ? [] : ["--out", values.out]),
    ...(values.check ? ["--check"] : []),
    ...(values.config === undefined ? [] : ["--config", values.config]),
    ...(values["no-typecheck"] ? ["--no-typecheck"] : []),
  ];
  return compileCommand(forwarded, cwd, { validateTargets: config.targets ?? targetNames });
}
