import path from "node:path";
import { parseArgs } from "node:util";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { FatalError } from "../diagnostics/fatal-error.js";
import { loadConfig } from "../load/config.js";
import { relativeToCwd } from "../load/paths.js";
import { planOutput } from "../output/plan-output.js";
import { runPipeline } from "../pipeline/run-pipeline.js";
import { applyOvh, desiredRegistries, type ListOutcome, type RegistryOutcome } from "../targets/ovh/apply-ovh.js";
import { credentialsFromEnvironment } from "../targets/ovh/ovh-credentials.js";
import { parseEndpointSetting } from "../targets/ovh/ovh-endpoint.js";
import { printDiagnostics, printJson } from "./report.js";
import { policyCommandOptions } from "./options.js";
import { staleFiles } from "../output/stale-files.js";

export const applyHelp = `Usage: regfence apply ovh [options]

Applies the OVHcloud Managed Private Registry IP restrictions through the OVH API. The policies
are compiled in memory exactly as \`regfence compile\` does, and nothing is applied when a policy
has errors or when out/ovh differs from what they compile to: what is applied is what was
reviewed. For each registry both lists are read and the difference printed; only the lists that
differ are replaced (a PUT sends the whole list), and each is read back to confirm.

Options:
  --registry NAME      only this registry (repeatable; default: every OVH registry)
  --dry-run            read the lists and print the difference; send no PUT (exit 3 when a
                       list would change)
  --format FORMAT      pretty (default) or json: one document with each list's difference
  --out DIR            output directory that was reviewed (default: the config's outDir, else out)
  --config FILE        config file (default: searched in the working directory)
  --no-typecheck       skip type-checking
  -h, --help           show this help

Environment:
  OVH_APPLICATION_KEY, OVH_APPLICATION_SECRET, OVH_CONSUMER_KEY
                       API credentials (required); the consumer key needs GET and PUT on
                       /cloud/project/*/containerRegistry/*/ipRestrictions/*
  OVH_ENDPOINT         ovh-eu, ovh-ca or ovh-us: must match each registry's endpoint (default:
                       the registry's own); or an API base URL (https, or http to a loopback
                       address) used instead, for a proxy or a test server

Exit codes: 0 applied or nothing to do, 1 policy errors, stale output, a failed apply or a
list that could not be read, 2 usage, config or internal error, 3 (--dry-run) changes pending.`;

export async function applyCommand(args: readonly string[], cwd: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      registry: { type: "string", multiple: true },
      "dry-run": { type: "boolean", default: false },
      format: { type: "string" },
      out: { type: "string" },
      ...policyCommandOptions,
    },
  });
  if (values.help) {
    process.stdout.write(`${applyHelp}\n`);
    return 0;
  }
  const [target, ...extra] = positionals;
  if (target === undefined) throw new FatalError("usage", "name the target to apply: regfence apply ovh");
  if (target !== "ovh") throw new FatalError("usage", `cannot apply "${target}": only ovh is applied through an API`);
  if (extra.length > 0) throw new FatalError("usage", `unexpected argument "${extra[0]}": apply takes the policies from the config`);
  const format = values.format ?? "pretty";
  if (format !== "pretty" && format !== "json") throw new FatalError("usage", `unknown --format "${format}": use pretty or json`);
  const setting = parseEndpointSetting(process.env["OVH_ENDPOINT"]);
  const config = await loadConfig(cwd, values.config);
  if (config.targets !== undefined && !config.targets.includes("ovh")) throw new FatalError("config", "the config's targets do not include ovh, so there is nothing compiled to apply");
  const outDir = values.out === undefined ? config.outDir : path.resolve(cwd, values.out);

  const result = await runPipeline({ cwd, config, paths: [], targets: undefined, typeCheck: config.typeCheck && !values["no-typecheck"], emit: true, secrets: false });
  printDiagnostics(result.diagnostics, format, cwd);
  const ovhOutput = result.outputs.find(({ target: { name } }) => name === "ovh");
  if (hasErrors(result.diagnostics) || result.program === undefined || ovhOutput === undefined) {
    if (format === "json") printJson({ ok: false, diagnostics: result.diagnostics, registries: [] });
    process.stderr.write("nothing applied: fix the policy errors first\n");
    return 1;
  }
  const out = relativeToCwd(outDir, cwd);
  const plan = await planOutput(outDir, ovhOutput.artifacts, ovhOutput.target.outputRoots({ secrets: false }));
  const stale = staleFiles(plan).map(({ path: file, problem }) => `  ${problem.padEnd(7)} ${out}/${file}`);
  if (stale.length > 0) {
    process.stderr.write(`nothing applied: ${out}/ovh is not what the policies compile to, so it is not what was reviewed:\n${stale.join("\n")}\nRun \`regfence compile\`, review and commit the change, then apply.\n`);
    return 1;
  }

  const all = desiredRegistries(result.program, config);
  const wanted = values.registry === undefined ? undefined : new Set(values.registry);
  const unknown = [...(wanted ?? [])].filter((name) => !all.some((registry) => registry.name === name));
  if (unknown.length > 0) {
    const known = all.length === 0 ? "the policies declare none" : `known: ${all.map(({ name }) => name).join(", ")}`;
    throw new FatalError("usage", `unknown OVH registry ${unknown.map((name) => `"${name}"`).join(", ")} (${known})`);
  }
  const registries = all.filter(({ name }) => wanted?.has(name) ?? true);
  if (registries.length === 0) {
    if (format === "json") printJson({ ok: true, dryRun: values["dry-run"], changesPending: false, diagnostics: result.diagnostics, registries: [] });
    else process.stdout.write("no OVH registries in the policies: nothing to apply\n");
    return 0;
  }

  const dryRun = values["dry-run"];
  const outcomes = await applyOvh({ registries, setting, credentials: credentialsFromEnvironment(process.env), dryRun });
  const status = exitStatus(outcomes, dryRun);
  if (format === "json") {
    printJson({ ok: status !== 1, dryRun, changesPending: dryRun && status === 3, diagnostics: result.diagnostics, registries: outcomes.map(outcomeJson) });
    return status;
  }
  for (const outcome of outcomes) printOutcome(outcome, dryRun);
  printSummary(outcomes, dryRun);
  return status;
}

/** 1 when a registry failed (nothing is known of its lists), 3 when a dry run found a list to replace. */
function exitStatus(outcomes: readonly RegistryOutcome[], dryRun: boolean): number {
  if (outcomes.some(({ failure }) => failure !== undefined)) return 1;
  return dryRun && outcomes.some(({ lists }) => lists.some(({ action }) => action === "would-put")) ? 3 : 0;
}

function outcomeJson(outcome: RegistryOutcome): unknown {
  return {
    registry: outcome.registry.name,
    endpoint: outcome.registry.endpoint,
    apiBase: outcome.apiBase,
    lists: outcome.lists.map(({ list, url, action, diff }) => ({ list, url, action, add: diff.add, remove: diff.remove })),
    ...(outcome.failure === undefined ? {} : { error: outcome.failure.message, ...(outcome.failure.hint === undefined ? {} : { hint: outcome.failure.hint }) }),
  };
}

function printOutcome(outcome: RegistryOutcome, dryRun: boolean): void {
  const { registry, apiBase } = outcome;
  const lines = [`${registry.name} (${registry.endpoint}, ${apiBase})`];
  for (const list of outcome.lists) lines.push(...listLines(list, dryRun));
  process.stdout.write(`${lines.join("\n")}\n`);
  if (outcome.failure !== undefined) {
    const hint = outcome.failure.hint === undefined ? "" : `\n  hint: ${outcome.failure.hint}`;
    process.stderr.write(`regfence: registry "${registry.name}" (${registry.endpoint}, ${apiBase}): ${outcome.failure.message}${hint}\n`);
  }
}

function listLines(outcome: ListOutcome, dryRun: boolean): string[] {
  const entries = (count: number): string => `${count} ${count === 1 ? "entry" : "entries"}`;
  const label = `  ${outcome.list.padEnd(10)}`;
  if (outcome.action === "in-sync") return [`${label}  in sync (${entries(outcome.desired.length)})`];
  const changes = [
    ...outcome.diff.add.map(({ ipBlock, description }) => `      + ${ipBlock} ${JSON.stringify(description)}`),
    ...outcome.diff.remove.map(({ ipBlock, description }) => `      - ${ipBlock} ${JSON.stringify(description)}`),
  ];
  const result = {
    "would-put": dryRun ? "would PUT" : "not sent",
    sent: "PUT sent, not confirmed",
    confirmed: "PUT, confirmed",
  }[outcome.action];
  return [`${label}  ${outcome.diff.add.length} to add, ${outcome.diff.remove.length} to remove: ${result} (${entries(outcome.desired.length)})`, ...changes];
}

function printSummary(outcomes: readonly RegistryOutcome[], dryRun: boolean): void {
  const actions = outcomes.flatMap(({ lists }) => lists.map(({ action }) => action));
  const count = (action: ListOutcome["action"]): number => actions.filter((each) => each === action).length;
  const listCount = (n: number): string => `${n} ${n === 1 ? "list" : "lists"}`;
  const failed = outcomes.filter(({ failure }) => failure !== undefined).length;
  const confirmed = count("confirmed");
  if (dryRun && failed > 0) {
    // What could not be read is unknown: never claim that nothing would change.
    process.stdout.write(`dry run: incomplete, ${failed} of ${outcomes.length} ${outcomes.length === 1 ? "registry" : "registries"} could not be read; nothing was sent\n`);
  } else if (dryRun) {
    const changing = count("would-put");
    process.stdout.write(`dry run: ${changing === 0 ? "nothing would change" : `${listCount(changing)} would be replaced`}; nothing was sent\n`);
  } else if (confirmed > 0) {
    process.stdout.write(`applied ${listCount(confirmed)}, each confirmed by reading it back; IP restrictions take about 30 s to propagate\n`);
  } else if (failed === 0) {
    process.stdout.write("nothing to do: every list matches the policies\n");
  }
  if (failed > 0) {
    process.stderr.write(`✖ ${failed} of ${outcomes.length} ${outcomes.length === 1 ? "registry" : "registries"} failed${dryRun ? "" : "; only the lists shown as confirmed were applied"}\n`);
  }
}
