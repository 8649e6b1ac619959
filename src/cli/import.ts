import { mkdir, mkdtemp, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../config/load-config.js";
import { type Diagnostic, hasErrors, sortDiagnostics } from "../diagnostics/diagnostic.js";
import { FatalError } from "../diagnostics/fatal-error.js";
import { relativeToCwd } from "../load/paths.js";
import { runPipeline } from "../pipeline/run-pipeline.js";
import type { DraftValue, PolicyDraftFields } from "../render/policy-draft.js";
import { policySource } from "../render/policy-source.js";
import { type TargetName, targetNamed, targetNames } from "../targets/all-targets.js";
import { factorNetworks, withNetworks } from "../targets/import-networks.js";
import { stateProblemDiagnostic } from "../targets/saved-state.js";
import type { ImportedState, StateSource } from "../targets/target-state.js";
import { parseFormat, parseTargets, policyCommandOptions, savedStateDirectory } from "./options.js";
import { printDiagnostics, printJson } from "./report.js";

/** The targets whose state can be adopted into a policy. */
const importable = targetNames.filter((name) => targetNamed(name).state?.import !== undefined);

export const importHelp = `Usage: regfence import <target>[,<target>…] [--from DIR|live] [--out FILE] [--force]

Writes a policy that compiles to what an enforcement point holds today: reads its state (saved
files, or the live system), factors the addresses into networks (a network several registries
use goes into networks.ts beside the policy), and writes a formatted .policy.ts. Before anything
is written the policy is type-checked, compiled and planned against the same state: what it
would change is printed. Credentials become fromEnv("…") references, whose variable names are
printed; secret values are never read into a policy.

Targets: ${importable.join(", ")}

Options:
  --from DIR|live      saved state under DIR/<target>/ (the layout \`regfence plan --from\` reads),
                       or live (default)
  --out FILE           the policy to write (default: policies/imported-<targets>.policy.ts); its
                       name is the file's name without .policy.ts
  --force              overwrite the policy (and networks.ts) if they exist
  --format FORMAT      pretty (default) or json
  --config FILE        config file (default: searched in the working directory)
  --no-typecheck       skip type-checking the generated policy (it is still compiled and planned)
  -h, --help           show this help

Saved state (--from DIR):
${importable.map((name) => targetNamed(name).state?.import?.help ?? "").join("\n")}

Exit codes: 0 written, 1 a state that could not be read or translated, 2 usage or config error.`;

/** Writes each file to a temporary name beside it, then renames them all in: none is half written. */
async function writeAll(files: readonly { readonly file: string; readonly content: string }[]): Promise<void> {
  for (const { file } of files) await mkdir(path.dirname(file), { recursive: true });
  const staged = await Promise.all(
    files.map(async ({ file, content }) => {
      const temporary = `${file}.regfence-${process.pid}.tmp`;
      await writeFile(temporary, content);
      return { temporary, file };
    }),
  );
  for (const { temporary, file } of staged) await rename(temporary, file);
}

export async function importCommand(args: readonly string[], cwd: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { ...policyCommandOptions, from: { type: "string" }, out: { type: "string" }, force: { type: "boolean", default: false }, format: { type: "string" } },
  });
  if (values.help) {
    process.stdout.write(`${importHelp}\n`);
    return 0;
  }
  const [targetArgument, ...extra] = positionals;
  if (targetArgument === undefined) throw new FatalError("usage", `name what to import: regfence import <target> (${importable.join(", ")})`);
  if (extra.length > 0) throw new FatalError("usage", `unexpected argument "${extra[0] ?? ""}"`);
  const targets = parseTargets([targetArgument]) ?? [];
  const unsupported = targets.filter((name) => !importable.includes(name));
  if (unsupported.length > 0) throw new FatalError("usage", `cannot import ${unsupported.join(", ")}: import reads ${importable.join(", ")}`);
  const format = parseFormat(values.format, ["pretty", "json"]);
  const config = await loadConfig(cwd, values.config);
  const saved = values.from === undefined || values.from === "live" ? undefined : await savedStateDirectory(values.from, cwd);
  const sourceFor = (name: TargetName): StateSource =>
    saved === undefined ? { kind: "live", environment: process.env } : { kind: "saved", dir: path.join(saved.dir, name), shown: `${saved.shown}/${name}` };
  const out = path.resolve(cwd, values.out ?? path.join("policies", `imported-${targets.join("-")}.policy.ts`));
  if (!out.endsWith(".policy.ts")) throw new FatalError("usage", `--out ${values.out ?? ""}: a policy file's name ends in .policy.ts`);
  const policyName = path.basename(out, ".policy.ts");

  // 1. Read every target's state.
  const imported: { name: TargetName; state: ImportedState }[] = [];
  for (const name of targets) {
    const importer = targetNamed(name).state?.import;
    if (importer !== undefined) imported.push({ name, state: await importer.read(sourceFor(name)) });
  }
  const problems = imported.flatMap(({ state }) => state.problems.map((problem) => stateProblemDiagnostic(problem, "RF1101")));
  const untranslated = imported.flatMap(({ state }) => state.untranslated.map((problem) => stateProblemDiagnostic(problem, "RF1102")));
  const failures = imported.flatMap(({ state }) => state.failures);
  if (problems.length > 0 || failures.length > 0) {
    printDiagnostics(sortDiagnostics([...problems, ...untranslated]), format, cwd);
    for (const failure of failures) process.stderr.write(`regfence: ${failure}\n`);
    if (format === "json") printJson({ ok: false, diagnostics: sortDiagnostics([...problems, ...untranslated]), failures, files: [] });
    process.stderr.write("nothing written: the state could not be read\n");
    return 1;
  }

  // 2. Factor the addresses into networks and generate the TypeScript.
  const { networks, networksOf } = factorNetworks(imported.flatMap(({ state }) => state.places));
  const merged: Record<string, DraftValue[]> = {};
  for (const { state } of imported) {
    for (const [field, value] of Object.entries(state.fields) as [keyof PolicyDraftFields, DraftValue | readonly DraftValue[] | undefined][]) {
      if (value === undefined) continue;
      merged[field] = [...(merged[field] ?? []), ...(Array.isArray(value) ? (value as DraftValue[]) : [value as DraftValue])];
    }
  }
  const fields = Object.fromEntries(
    Object.entries(merged).map(([field, values]) => [field, field === "proxyCache" || field === "admission" ? withNetworks(values[0] as DraftValue, networksOf) : values.map((value) => withNetworks(value, networksOf))]),
  ) as PolicyDraftFields;
  const origin = saved === undefined ? "their live state" : `the state saved in ${saved.shown}`;
  const draft = { name: policyName, comment: `Imported by \`regfence import ${targets.join(",")}\` from ${origin}.\nReview the network names and descriptions, then commit.`, networks, fields };
  const sources = policySource(draft, path.basename(out));
  const files = sources.map(({ name, content }) => ({ file: path.join(path.dirname(out), name), content }));

  const existing = [];
  for (const { file } of files) if ((await stat(file).catch(() => undefined)) !== undefined) existing.push(relativeToCwd(file, cwd));
  if (existing.length > 0 && values.force !== true) throw new FatalError("usage", `${existing.join(" and ")} ${existing.length === 1 ? "exists" : "exist"}: pass --force to overwrite, or --out another file`);

  // 3. Type-check, compile and plan the generated policy against the same state before writing it.
  const staging = await mkdtemp(path.join(tmpdir(), "regfence-import-"));
  const drift: string[] = [];
  let compiled: Diagnostic[];
  try {
    for (const { name, content } of sources) await writeFile(path.join(staging, name), content);
    const result = await runPipeline({ cwd, config, paths: [path.join(staging, path.basename(out))], targets, typeCheck: config.typeCheck && values["no-typecheck"] !== true, emit: true, secrets: false });
    const shownStaging = relativeToCwd(staging, cwd);
    compiled = result.diagnostics.map((diagnostic) => ({ ...diagnostic, file: diagnostic.file.replace(shownStaging, relativeToCwd(path.dirname(out), cwd)) }));
    if (!hasErrors(compiled) && result.program !== undefined) {
      for (const output of result.outputs) {
        const state = output.target.state;
        if (state === undefined) continue;
        const report = await state.read({ program: result.program, options: config.targetOptions[output.target.name as TargetName], artifacts: output.artifacts, source: sourceFor(output.target.name as TargetName) });
        for (const item of report.items) {
          if (item.failure !== undefined) drift.push(`${output.target.name} ${item.name}: ${item.failure.message}`);
          for (const part of item.parts.filter(({ action }) => action === "pending")) drift.push(...part.lines.map((line) => `${output.target.name} ${item.name} ${part.part}: ${line}`));
        }
      }
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  const diagnostics = sortDiagnostics([...untranslated, ...compiled]);
  if (hasErrors(compiled)) {
    printDiagnostics(diagnostics, format, cwd);
    if (format === "json") printJson({ ok: false, diagnostics, files: [] });
    process.stderr.write("nothing written: the imported state does not make a valid policy (see above)\n");
    return 1;
  }

  // 4. Write, and say what to do next.
  await writeAll(files);
  const variables = [...new Set(imported.flatMap(({ state }) => state.variables))].sort();
  const written = files.map(({ file }) => relativeToCwd(file, cwd));
  if (format === "json") {
    printJson({ ok: true, diagnostics, files: written, networks: networks.map(({ name, shared }) => ({ name, shared })), variables, drift });
    return 0;
  }
  printDiagnostics(diagnostics, format, cwd);
  const networkCount = networks.length === 0 ? "" : ` (${networks.length} ${networks.length === 1 ? "network" : "networks"})`;
  process.stdout.write(`imported ${targets.join(", ")} into ${written.join(" and ")}${networkCount}\n`);
  if (variables.length > 0) process.stdout.write(`  set before compile --secrets or apply: ${variables.join(", ")}\n`);
  if (drift.length > 0) process.stdout.write(`  note: applying it would still change what was read:\n${drift.map((line) => `    ${line}`).join("\n")}\n`);
  if (targets.includes("kyverno")) process.stdout.write("  note: regfence's Kyverno policies replace the imported ones: delete those once regfence's are applied (plan warns of them, RF3018)\n");
  else process.stdout.write(`  checked: it type-checks, compiles, and plans in sync with ${origin}\n`);
  return 0;
}
