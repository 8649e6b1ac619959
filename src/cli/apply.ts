import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../config/load-config.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { FatalError } from "../diagnostics/fatal-error.js";
import { relativeToCwd } from "../load/paths.js";
import { planOutput } from "../output/plan-output.js";
import { staleFiles } from "../output/stale-files.js";
import { runPipeline } from "../pipeline/run-pipeline.js";
import { type TargetName, targetNamed, targetNames } from "../targets/all-targets.js";
import type { AnyTarget } from "../targets/target.js";
import type { ApplyReport } from "../targets/target-apply.js";
import { parseFormat, policyCommandOptions } from "./options.js";
import { itemJson, printItems } from "./print-items.js";
import { printDiagnostics, printJson } from "./report.js";

/** The targets that are applied through an API, each with its `apply`. */
const appliable = targetNames.map(targetNamed).filter((target) => target.apply !== undefined);

export const applyHelp = `Usage: regfence apply <target> [options]        targets: ${appliable.map(({ name }) => name).join(", ")}

Applies a target's compiled settings through its API. The policies are compiled in memory exactly
as \`regfence compile\` does, and nothing is applied when a policy has errors or when the target's
files in the out dir differ from what they compile to: what is applied is what was reviewed. The
live state is read and the difference printed; only what differs is changed, and each change is
read back to confirm.

Options:
  --<selector> NAME    only this one (repeatable), e.g. apply ovh --registry mpr-prod
  --dry-run            read the live state and print the difference; change nothing (exit 3
                       when something would change)
  --format FORMAT      pretty (default) or json: one document with every difference
  --out DIR            output directory that was reviewed (default: the config's outDir, else out)
  --config FILE        config file (default: searched in the working directory)
  --no-typecheck       skip type-checking
  -h, --help           show this help

Environment:
${appliable.map((target) => `${target.name}:\n${target.apply?.environmentHelp ?? ""}`).join("\n")}

Exit codes: 0 applied or nothing to do, 1 policy errors, stale output, a failed apply or a state
that could not be read, 2 usage, config or internal error, 3 (--dry-run) changes pending.`;

export async function applyCommand(args: readonly string[], cwd: string): Promise<number> {
  const [targetArgument] = args.filter((arg) => !arg.startsWith("-"));
  const target = appliable.find(({ name }) => name === targetArgument);
  const selector = target?.apply?.selector;
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      ...(selector === undefined ? {} : { [selector]: { type: "string", multiple: true } }),
      "dry-run": { type: "boolean", default: false },
      format: { type: "string" },
      out: { type: "string" },
      ...policyCommandOptions,
    },
  });
  if (values.help === true) {
    process.stdout.write(`${applyHelp}\n`);
    return 0;
  }
  const [name, ...extra] = positionals;
  const names = appliable.map((each) => each.name).join(", ");
  if (name === undefined) throw new FatalError("usage", `name the target to apply: regfence apply <target> (${names})`);
  if (target?.apply === undefined) throw new FatalError("usage", `cannot apply "${name}": the targets applied through an API are ${names}`);
  if (extra.length > 0) throw new FatalError("usage", `unexpected argument "${extra[0]}": apply takes the policies from the config`);
  const apply = target.apply;
  const format = parseFormat(values.format, ["pretty", "json"]);
  const config = await loadConfig(cwd, typeof values.config === "string" ? values.config : undefined);
  if (config.targets !== undefined && !config.targets.includes(target.name as TargetName)) {
    throw new FatalError("config", `the config's targets do not include ${target.name}, so there is nothing compiled to apply`);
  }
  const outDir = typeof values.out === "string" ? path.resolve(cwd, values.out) : config.outDir;

  const result = await runPipeline({ cwd, config, paths: [], targets: undefined, typeCheck: config.typeCheck && values["no-typecheck"] !== true, emit: true, secrets: false });
  printDiagnostics(result.diagnostics, format, cwd);
  const output = result.outputs.find((each) => each.target.name === target.name);
  if (hasErrors(result.diagnostics) || result.program === undefined || output === undefined) {
    if (format === "json") printJson({ ok: false, diagnostics: result.diagnostics, items: [] });
    process.stderr.write("nothing applied: fix the policy errors first\n");
    return 1;
  }
  const out = relativeToCwd(outDir, cwd);
  const plan = await planOutput(outDir, output.artifacts, target.outputRoots({ secrets: false }));
  const stale = staleFiles(plan).map(({ path: file, problem }) => `  ${problem.padEnd(7)} ${out}/${file}`);
  if (stale.length > 0) {
    process.stderr.write(
      `nothing applied: ${out}/${target.name} is not what the policies compile to, so it is not what was reviewed:\n${stale.join("\n")}\nRun \`regfence compile\`, review and commit the change, then apply.\n`,
    );
    return 1;
  }

  const options = config.targetOptions[target.name as TargetName];
  const known = apply.names(result.program, options);
  const wanted = selector === undefined ? undefined : ((values as Readonly<Record<string, unknown>>)[selector] as string[] | undefined);
  const unknown = (wanted ?? []).filter((each) => !known.includes(each));
  if (unknown.length > 0) {
    const listed = known.length === 0 ? "the policies declare none" : `known: ${known.join(", ")}`;
    throw new FatalError("usage", `unknown ${target.name.toUpperCase()} ${selector ?? ""} ${unknown.map((each) => `"${each}"`).join(", ")} (${listed})`);
  }
  const dryRun = values["dry-run"] === true;
  if (known.length === 0) {
    if (format === "json") printJson({ ok: true, dryRun, changesPending: false, diagnostics: result.diagnostics, items: [] });
    else process.stdout.write(`no ${target.name.toUpperCase()} ${apply.plural} in the policies: nothing to apply\n`);
    return 0;
  }
  const report = await apply.run(result.program, options, { dryRun, only: wanted === undefined ? undefined : new Set(wanted), environment: process.env });
  const status = exitStatus(report, dryRun);
  if (format === "json") {
    printJson({ ok: status !== 1, dryRun, changesPending: status === 3, diagnostics: result.diagnostics, items: report.items.map(itemJson) });
    return status;
  }
  printReport(target, report, dryRun);
  return status;
}

/** 1 when something failed (nothing is known of what it did not read), 3 when a dry run found a change. */
function exitStatus(report: ApplyReport, dryRun: boolean): number {
  if (report.items.some(({ failure }) => failure !== undefined)) return 1;
  return dryRun && report.items.some(({ parts }) => parts.some(({ action }) => action === "pending")) ? 3 : 0;
}

function printReport(target: AnyTarget, report: ApplyReport, dryRun: boolean): void {
  printItems(report.items, target.apply?.selector ?? "item");
  if (report.summary !== "") process.stdout.write(`${report.summary}\n`);
  const failed = report.items.filter(({ failure }) => failure !== undefined).length;
  if (failed > 0) {
    const noun = report.items.length === 1 ? target.apply?.selector : target.apply?.plural;
    process.stderr.write(`✖ ${failed} of ${report.items.length} ${noun ?? ""} failed${dryRun ? "" : "; only what is shown as confirmed was applied"}\n`);
  }
}
