import path from "node:path";
import { parseArgs } from "node:util";
import { hasErrors, sortDiagnostics } from "../diagnostics/diagnostic.js";
import { loadConfig, type ResolvedConfig } from "../config/load-config.js";
import { discoverPolicies } from "../load/discover.js";
import { relativeToCwd } from "../load/paths.js";
import { type OutputPlan, planOutput } from "../output/plan-output.js";
import { staleFiles } from "../output/stale-files.js";
import { writeOutput } from "../output/write-output.js";
import { allTargets, type TargetName } from "../targets/all-targets.js";
import { runPipeline } from "../pipeline/run-pipeline.js";
import { runPolicyTests } from "../pipeline/run-policy-tests.js";
import { refinePositions } from "../load/refine-positions.js";
import { parseFormat, parseTargets, policies, policyCommandOptions } from "./options.js";
import { printDiagnostics, printJson, renderStaleAnnotations } from "./report.js";
import { failureFindings, testSummary } from "./test.js";

export const compileHelp = `Usage: regfence compile [FILE|DIR …] [options]

Compiles policies (default: the config's glob, policies/**/*.policy.ts) into every target's files.
Nothing is written unless every policy is valid; then only files whose bytes changed are written,
and files a target no longer emits are removed. A run given FILE|DIR arguments that leave out some
of the config's policies writes their files and removes nothing: other policies' files stay.

Options:
  --out DIR            output directory (default: the config's outDir, else out)
  --config FILE        config file (default: searched in the working directory)
  --target NAME,…      only these targets (default: the config's targets, else all)
  --check              write nothing; list stale, missing and extra files, run the policies'
                       tests, and exit 1 if a file is stale or a test fails
  --secrets            also read credentials (environment variables, files) and write their
                       Secrets (mode 0600, git-ignored); without it no secret is read, written
                       or checked
  --format FORMAT      pretty (default), json or github (workflow annotations)
  --no-typecheck       skip type-checking (faster; evaluation still catches shape errors)
  -h, --help           show this help

Exit codes: 0 ok, 1 policy errors or stale output, 2 usage, config or internal error.`;

/** Whether the policies loaded include every policy the config's globs name. */
async function loadsEveryPolicy(loaded: readonly string[], config: ResolvedConfig, cwd: string): Promise<boolean> {
  const all = await discoverPolicies([], config.policies, config.baseDirectory, cwd);
  const set = new Set(loaded);
  return all.every((file) => set.has(file));
}

export async function compileCommand(args: readonly string[], cwd: string, extra: { readonly validateTargets?: readonly TargetName[] } = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      ...policyCommandOptions,
      out: { type: "string" },
      target: { type: "string", multiple: true },
      check: { type: "boolean", default: false },
      format: { type: "string" },
      secrets: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${compileHelp}\n`);
    return 0;
  }
  const format = parseFormat(values.format);
  const targets = parseTargets(values.target);
  const config = await loadConfig(cwd, values.config);
  const outDir = values.out === undefined ? config.outDir : path.resolve(cwd, values.out);
  const result = await runPipeline({
    cwd,
    config,
    paths: positionals,
    targets,
    typeCheck: config.typeCheck && !values["no-typecheck"],
    emit: true,
    secrets: values.secrets,
    ...extra,
  });
  printDiagnostics(result.diagnostics, format, cwd);
  if (hasErrors(result.diagnostics)) {
    if (format === "json") printJson({ ok: false, policies: result.policyFiles.length, diagnostics: result.diagnostics, targets: [] });
    else process.stderr.write(`nothing written to ${relativeToCwd(outDir, cwd)}\n`);
    return 1;
  }
  const emitted = result.outputs.map(({ target, artifacts }) => ({ target, artifacts }));
  // A run given FILE|DIR arguments that leave out some of the config's policies owns only the files
  // its policies emit: it removes nothing (the others' files are not extra, they are not its own).
  const complete = positionals.length === 0 || (await loadsEveryPolicy(result.policyFiles, config, cwd));
  // Targets the config leaves out emit nothing: what they wrote before is extra (not with --target,
  // which compiles a subset for one run and leaves the rest alone).
  const droppedByConfig = targets === undefined && complete ? Object.values(allTargets).filter((target) => !result.targets.includes(target)) : [];
  const plans = await Promise.all(
    [...emitted, ...droppedByConfig.map((target) => ({ target, artifacts: [] }))].map(async ({ target, artifacts }) => ({
      target: target.name,
      plan: await planOutput(outDir, artifacts, complete ? target.outputRoots({ secrets: values.secrets }) : []),
    })),
  );
  const merged: OutputPlan = { outDir, files: plans.flatMap(({ plan }) => plan.files), extra: plans.flatMap(({ plan }) => plan.extra) };
  const stale = values.check ? staleFiles(merged) : [];
  // --check also holds the policies to their tests: CI fails on a policy that no longer does what it says.
  const outcomes = values.check && result.program !== undefined ? runPolicyTests(result.program) : [];
  const testFailures = refinePositions(failureFindings(outcomes).all, cwd);
  if (!values.check) await writeOutput(merged);
  const summary = plans.map(({ target, plan }) => ({
    name: target,
    files: plan.files.map(({ artifact, status }) => ({ path: artifact.path, status })),
    extra: plan.extra,
  }));
  const ok = stale.length === 0 && testFailures.length === 0;
  if (format === "json") {
    const tests = values.check ? { stale, tests: outcomes.map(({ policy, name, passed, expected, actual }) => ({ policy, name, passed, expected, actual })) } : {};
    printJson({ ok, policies: result.policyFiles.length, diagnostics: sortDiagnostics([...result.diagnostics, ...testFailures]), targets: summary, ...tests, notes: result.notes });
    return ok ? 0 : 1;
  }
  const out = relativeToCwd(outDir, cwd);
  if (values.check) {
    printDiagnostics(testFailures, format, cwd);
    const tested = outcomes.length === 0 ? "" : `; tests: ${testSummary(outcomes)}`;
    if (stale.length === 0) {
      process.stdout.write(`${out} is up to date (${merged.files.length} files from ${policies(result.policyFiles.length)})${tested}\n`);
      return ok ? 0 : 1;
    }
    if (format === "github") process.stdout.write(`${renderStaleAnnotations(stale, out)}\n`);
    process.stdout.write(`${out} is stale; run \`regfence compile\`:\n${stale.map(({ path: file, problem }) => `  ${problem.padEnd(7)} ${out}/${file}`).join("\n")}\n${tested === "" ? "" : `${tested.slice(2)}\n`}`);
    return 1;
  }
  const count = (files: readonly { status: string }[], status: string): number => files.filter((file) => file.status === status).length;
  const lines = summary.map(({ name, files, extra }) => {
    const written = files.length - count(files, "unchanged");
    const parts = [`${written} written`, `${count(files, "unchanged")} unchanged`];
    if (extra.length > 0) parts.push(`${extra.length} removed`);
    return `  ${name.padEnd(12)} ${parts.join(", ")}`;
  });
  process.stdout.write(`compiled ${policies(result.policyFiles.length)} into ${out}\n${lines.join("\n")}\n`);
  for (const note of result.notes) process.stdout.write(`  note: ${note}\n`);
  return 0;
}

