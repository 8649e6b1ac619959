import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../config/load-config.js";
import { hasErrors, sortDiagnostics } from "../diagnostics/diagnostic.js";
import { escapeData } from "../diagnostics/render-github.js";
import { FatalError } from "../diagnostics/fatal-error.js";
import { refinePositions } from "../load/refine-positions.js";
import { runPipeline } from "../pipeline/run-pipeline.js";
import { type TargetName, targetNamed, targetNames } from "../targets/all-targets.js";
import { stateProblemDiagnostic } from "../targets/saved-state.js";
import type { AnyTarget } from "../targets/target.js";
import type { AppliedItem } from "../targets/target-apply.js";
import type { DriftReport, StateSource } from "../targets/target-state.js";
import { parseFormat, parseTargets, policyCommandOptions, savedStateDirectory } from "./options.js";
import { itemJson, printItems } from "./print-items.js";
import { printDiagnostics, printJson } from "./report.js";

/** The targets whose state can be read back, in the registry's order. */
const readable = targetNames.map(targetNamed).filter((target) => target.state !== undefined);

export const planHelp = `Usage: regfence plan [options]

Reads each enforcement point's state back and compares it with what the policies compile to:
what \`regfence apply\` (or the emitted script) would add, remove or change. Nothing is changed.
The live state is read with the credentials \`apply\` uses; with --from DIR it is read from files
saved from it, so CI can plan without credentials. What could not be read is reported as such,
never as in sync.

Options:
  --target NAME,…      only these targets (default: the config's targets that plan reads;
                       plan reads ${readable.map(({ name }) => name).join(", ")})
  --from DIR           read saved state under DIR/<target>/ instead of the live systems
  --format FORMAT      pretty (default), json (one document) or github (workflow annotations)
  --config FILE        config file (default: searched in the working directory)
  --no-typecheck       skip type-checking
  -h, --help           show this help

Saved state (--from DIR):
${readable.map((target) => target.state?.savedHelp ?? "").join("\n")}

Live state:
${readable.map((target) => `${target.name}:\n${target.state?.liveHelp ?? ""}`).join("\n")}

Exit codes: 0 in sync, 1 policy errors or a state that could not be read, 2 usage, config or
internal error, 3 changes pending (drift; the same code as \`apply --dry-run\`).`;

interface TargetPlan {
  readonly target: AnyTarget;
  readonly source: StateSource;
  readonly report: DriftReport;
}

export async function planCommand(args: readonly string[], cwd: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { ...policyCommandOptions, target: { type: "string", multiple: true }, from: { type: "string" }, format: { type: "string" } },
  });
  if (values.help) {
    process.stdout.write(`${planHelp}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new FatalError("usage", `unexpected argument "${positionals[0] ?? ""}": plan takes the policies from the config`);
  const format = parseFormat(values.format);
  const requested = parseTargets(values.target);
  const unreadable = (requested ?? []).filter((name) => targetNamed(name).state === undefined);
  if (unreadable.length > 0) {
    throw new FatalError("usage", `plan cannot read the state of ${unreadable.join(", ")}: it reads ${readable.map(({ name }) => name).join(", ")}`);
  }
  const config = await loadConfig(cwd, values.config);
  const from = values.from === undefined ? undefined : await savedStateDirectory(values.from, cwd);
  const chosen = (requested ?? config.targets ?? targetNames).filter((name) => targetNamed(name).state !== undefined);
  const result = await runPipeline({ cwd, config, paths: [], targets: chosen, typeCheck: config.typeCheck && !values["no-typecheck"], emit: true, secrets: false });
  if (hasErrors(result.diagnostics) || result.program === undefined) {
    printDiagnostics(result.diagnostics, format, cwd);
    if (format === "json") printJson({ ok: false, changesPending: false, diagnostics: result.diagnostics, targets: [] });
    process.stderr.write("nothing compared: fix the policy errors first\n");
    return 1;
  }
  const program = result.program;
  const plans: TargetPlan[] = [];
  for (const output of result.outputs) {
    const { target } = output;
    const state = target.state;
    const options = config.targetOptions[target.name as TargetName];
    if (state === undefined || state.names(program, options).length === 0) continue;
    const source: StateSource =
      from === undefined ? { kind: "live", environment: process.env } : { kind: "saved", dir: path.join(from.dir, target.name), shown: `${from.shown}/${target.name}` };
    plans.push({ target, source, report: await state.read({ program, options, artifacts: output.artifacts, source }) });
  }
  const diagnostics = sortDiagnostics([
    ...result.diagnostics,
    ...refinePositions(plans.flatMap(({ report }) => report.findings), cwd),
    ...plans.flatMap(({ report }) => report.problems.map((problem) => stateProblemDiagnostic(problem, "RF1101"))),
  ]);
  const items = plans.flatMap(({ report }) => report.items);
  const failed = items.filter(({ failure }) => failure !== undefined).length;
  const pending = items.filter(isPending);
  const status = failed > 0 || hasErrors(diagnostics) ? 1 : pending.length > 0 ? 3 : 0;
  if (format === "json") {
    printJson({
      ok: status !== 1,
      changesPending: pending.length > 0,
      ...(from === undefined ? {} : { from: from.shown }),
      diagnostics,
      targets: plans.map(({ target, source, report }) => ({ target: target.name, source: source.kind, items: report.items.map(itemJson) })),
    });
    return status;
  }
  printDiagnostics(diagnostics, format, cwd);
  for (const { target, report } of plans) {
    process.stdout.write(`${target.name}\n`);
    printItems(report.items, target.state?.noun ?? "item", "  ");
  }
  if (format === "github") {
    const annotations = renderDrift(plans);
    if (annotations !== "") process.stdout.write(`${annotations}\n`);
  }
  process.stdout.write(`${summaryOf(plans, failed, pending)}\n`);
  return status;
}

const isPending = (item: AppliedItem): boolean => item.parts.some(({ action }) => action === "pending");

/** One workflow warning per part that differs, so a scheduled drift job shows in the Actions summary. */
function renderDrift(plans: readonly TargetPlan[]): string {
  const lines: string[] = [];
  for (const { target, report } of plans) {
    for (const item of report.items) {
      for (const part of item.parts.filter(({ action }) => action === "pending")) {
        const message = [`${target.name} ${item.name} ${part.part}: ${part.outcome}`, ...part.lines].join("\n");
        lines.push(`::warning title=regfence plan (${target.name})::${escapeData(message)}`);
      }
    }
  }
  return lines.join("\n");
}

function summaryOf(plans: readonly TargetPlan[], failed: number, pending: readonly AppliedItem[]): string {
  const total = plans.reduce((sum, { report }) => sum + report.items.length, 0);
  if (total === 0) return "plan: nothing to compare: the policies declare nothing whose state plan reads";
  const named = (items: readonly AppliedItem[]): string =>
    plans
      .map(({ target, report }) => ({ target, names: report.items.filter((item) => items.includes(item)).map(({ name }) => name) }))
      .filter(({ names }) => names.length > 0)
      .map(({ target, names }) => `${target.name} ${names.join(", ")}`)
      .join("; ");
  const parts: string[] = [];
  if (pending.length > 0) parts.push(`changes pending for ${pending.length} of ${total} (${named(pending)})`);
  if (failed > 0) {
    const unread = plans.flatMap(({ report }) => report.items.filter(({ failure }) => failure !== undefined));
    parts.push(`${failed} of ${total} could not be read, so whether ${failed === 1 ? "it differs" : "they differ"} is unknown (${named(unread)})`);
  }
  if (parts.length === 0) return `plan: in sync: ${total} compared, each matches the policies`;
  return `plan: ${parts.join("; ")}`;
}
