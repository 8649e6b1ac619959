// Benchmark of `regfence`: `npm run bench` (builds dist/ first).
//
// Every row is a fresh Node process ("cold" for regfence; one untimed warm-up first), alternated
// run by run with `node -e 0`, Node's own start-up, so each figure is also a ratio measured in the
// same minutes (median of the per-pair ratios). A clean type-check is remembered between runs
// (node_modules/.cache/regfence): "first type-check" rows forget it before every run. Memory: the regfence Node process's peak (main),
// and, sampled from /proc, the largest single process and the whole process tree (tsc and
// esbuild included). Generated projects have @types/node, as users' repositories do. The Markdown
// table on stdout is the product; progress goes to stderr and the data as JSON to results.json in
// the bench's temp directory. Timings are never asserted: the exit code is non-zero only when a
// command fails.
//
//   BENCH_RUNS=10 npm run bench            more runs per row (default 5)
//   BENCH_SIZES=10,100 npm run bench       other generated set sizes (default 10,100,1000)
//   BENCH_KEEP=1 npm run bench             keep the generated projects and output directories
//
// `plan --from` rows read a state saved from a compiled out dir (bench/saved-state.js), so every
// target is compared and found in sync; they are set beside `compile --check` of the same files.

import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fixed, markdownTable } from "./format-table.js";
import { cidrsPerFile, generateProject } from "./generate-policies.js";
import { median, runChild } from "./measure.js";
import { writeSavedState } from "./saved-state.js";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const cli = path.join(repoRoot, "bin", "regfence.js");

const runs = positiveInteger(process.env.BENCH_RUNS ?? "5", "BENCH_RUNS");
const sizes = (process.env.BENCH_SIZES ?? "10,100,1000").split(",").map((size) => positiveInteger(size.trim(), "BENCH_SIZES"));
const keep = process.env.BENCH_KEEP === "1";

const root = mkdtempSync(path.join(tmpdir(), "regfence-bench-"));
const outRoot = path.join(root, "out");

class BenchFailure extends Error {}

function positiveInteger(text, name) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    process.stderr.write(`bench: ${name} must be a positive integer, got "${text}"\n`);
    process.exit(2);
  }
  return value;
}

function progress(message) {
  process.stderr.write(`${message}\n`);
}

let outSequence = 0;
/** A new, empty output directory (created by regfence itself, like a first compile). */
function freshOutDir() {
  return path.join(outRoot, `run-${outSequence++}`);
}

function describe(result) {
  if (result.error !== undefined) return `could not run: ${result.error.message}`;
  return result.signal !== null ? `killed by ${result.signal}` : `exit ${result.status}`;
}

/** Throws with the child's output when it did not exit as expected (0 unless told). */
function expectSuccess(label, args, cwd, result, exitCodes = [0]) {
  if (result.error === undefined && exitCodes.includes(result.status)) return;
  process.stderr.write(`\nbench: ${label} failed (${describe(result)})\n  cwd: ${cwd}\n  command: node ${args.join(" ")}\n`);
  if (result.stdout.trim() !== "") process.stderr.write(`--- stdout\n${result.stdout.trimEnd()}\n`);
  process.stderr.write(`--- stderr\n${result.stderr.trimEnd() || "(empty)"}\n`);
  throw new BenchFailure(`${label} failed`);
}

/**
 * Measures one row: one untimed warm-up, then `runs` timed runs.
 * @param {{ name: string, files: number, cwd: string, args: (outDir: string) => string[], outDir?: "fresh" | "reuse", check?: (result: ReturnType<typeof runChild>) => void }} spec
 */
async function measure(spec) {
  const reuse = spec.outDir === "reuse" ? freshOutDir() : undefined;
  const times = [];
  const ratios = [];
  const main = [];
  let largest = 0;
  let tree = 0;
  for (let run = 0; run <= runs; run++) {
    const outDir = reuse ?? freshOutDir();
    const args = spec.args(outDir);
    // A first check: tsc runs, as on a checkout whose type-check was never remembered.
    if (spec.forgetTypeCheck === true) rmSync(path.join(spec.cwd, "node_modules", ".cache", "regfence"), { recursive: true, force: true });
    const result = await runChild(args, spec.cwd);
    expectSuccess(spec.name, args, spec.cwd, result, spec.exitCodes);
    if (reuse === undefined) rmSync(outDir, { recursive: true, force: true });
    // Node's start-up, right after: the pair's ratio holds however the machine's speed drifts.
    const floor = await runChild(["-e", "0"], spec.cwd);
    if (run === 0) continue; // warm-up
    spec.check?.(result);
    times.push(result.ms);
    ratios.push(result.ms / floor.ms);
    if (result.rssKiB !== undefined) main.push(result.rssKiB);
    largest = Math.max(largest, result.largestKiB);
    tree = Math.max(tree, result.treeKiB);
  }
  if (reuse !== undefined) rmSync(reuse, { recursive: true, force: true });
  const row = {
    case: spec.name,
    files: spec.files,
    medianMs: median(times),
    minMs: Math.min(...times),
    maxMs: Math.max(...times),
    ratio: median(ratios),
    mainMiB: main.length === 0 ? undefined : Math.max(...main) / 1024,
    largestMiB: largest / 1024,
    treeMiB: tree / 1024,
    runsMs: times,
    ratios,
  };
  progress(`  ${row.case}: median ${fixed(row.medianMs, 0)} ms (${fixed(row.ratio, 2)}× node -e 0), largest process ${fixed(row.largestMiB, 0)} MiB, tree ${fixed(row.treeMiB, 0)} MiB`);
  return row;
}

/** A generated project compiles with exit 0, no diagnostics, and the OVH files it should. */
async function verifyGenerated(project) {
  const args = [cli, "compile", "policies", "--out", freshOutDir(), "--format", "json"];
  const label = `verification of the ${project.files}-file set`;
  const result = await runChild(args, project.directory);
  expectSuccess(label, args, project.directory, result);
  const report = JSON.parse(result.stdout);
  const ovhFiles = report.targets.find((target) => target.name === "ovh")?.files.length ?? 0;
  const problems = [];
  if (report.ok !== true) problems.push("ok is not true");
  if (report.policies !== project.files) problems.push(`${report.policies} policies compiled, expected ${project.files}`);
  if (report.diagnostics.length > 0) problems.push(`diagnostics: ${report.diagnostics.map((d) => `${d.file}:${d.line} ${d.code} ${d.message}`).slice(0, 5).join("; ")}`);
  if (ovhFiles !== 3 * project.ovhRegistries) problems.push(`${ovhFiles} OVH files, expected ${3 * project.ovhRegistries}`);
  if (problems.length > 0) {
    process.stderr.write(`\nbench: ${label}: ${problems.join(", ")}\n`);
    throw new BenchFailure(`${label} failed`);
  }
}

/** Compiles a project (with its Secrets, from placeholder credentials) into a new out dir, for `--check` and saved state. */
function compiledOutDir(cwd, cliPath, paths) {
  const out = freshOutDir();
  const args = [cliPath, "compile", ...paths, "--out", out, "--secrets"];
  const env = { ...process.env, OCI_REGISTRY_USERNAME: "bench-user", OCI_REGISTRY_PASSWORD: "bench-password" };
  const result = spawnSync(process.execPath, args, { cwd, env, encoding: "utf8" });
  expectSuccess("compile for saved state", args, cwd, { ...result, error: result.error ?? undefined }, [0]);
  return out;
}

/** A policy of `count` image expectations that the worked examples' proxy cache makes pass. */
function expectationsPolicy(count) {
  const tests = Array.from({ length: count }, (_, index) => `    expectImage("docker.io/team${index}/app:1.${index}", { rewrittenTo: "harbor.myco.com/docker.io/team${index}/app:1.${index}", admitted: true }),`);
  return `import { definePolicy, expectImage } from "regfence";\n\nexport default definePolicy({\n  name: "bench-tests",\n  tests: [\n${tests.join("\n")}\n  ],\n});\n`;
}

/**
 * How long headless Chromium takes to load and render a project's report, less what it takes for
 * an empty page (its own start-up), run by run: the page's cost alone.
 */
function reportRendering(chromium, project, page) {
  const shot = (url) => {
    const started = performance.now();
    const args = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,900", `--screenshot=${path.join(root, "report.png")}`, url];
    const result = spawnSync(chromium, args, { encoding: "utf8" });
    if (result.status !== 0) throw new BenchFailure(`chromium failed on ${url}: ${result.stderr}`);
    return performance.now() - started;
  };
  const costs = [];
  shot("about:blank");
  for (let run = 0; run < runs; run++) costs.push(shot(`file://${page}`) - shot("about:blank"));
  const row = { case: "report rendered in Chromium, less an empty page", files: project.files, medianMs: median(costs), minMs: Math.min(...costs), maxMs: Math.max(...costs), ratio: undefined, mainMiB: undefined, largestMiB: undefined, treeMiB: undefined, runsMs: costs, ratios: [] };
  progress(`  ${row.case}: median ${fixed(row.medianMs, 0)} ms at ${project.files} files`);
  return row;
}

/** Plan from a state saved from the same out dir finds every target in sync. */
function inSync(result) {
  if (!/^plan: in sync: /m.test(result.stdout)) throw new BenchFailure(`plan did not find the saved state in sync:\n${result.stdout}${result.stderr}`);
}

function upToDate(result) {
  if (/\b[1-9]\d* written/.test(result.stdout)) progress(`  warning: the up-to-date re-run wrote files:\n${result.stdout}`);
}

function gitCommit() {
  const result = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repoRoot, encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** Per-file cost between the two largest sets: total per file, and the marginal cost of a file. */
function growth(rows, suffix) {
  const [small, large] = sizes.slice(-2).map((size) => rows.find((row) => row.case === `generated${suffix}` && row.files === size));
  if (sizes.length < 2 || small === undefined || large === undefined) return undefined;
  return {
    case: `generated${suffix}`,
    smallFiles: small.files,
    largeFiles: large.files,
    perFileMsSmall: small.medianMs / small.files,
    perFileMsLarge: large.medianMs / large.files,
    perFileRatio: large.medianMs / large.files / (small.medianMs / small.files),
    marginalMsPerFileLarge: (large.medianMs - small.medianMs) / (large.files - small.files),
  };
}

async function main() {
  const rows = [];
  const loadBefore = loadavg()[0];
  const commit = gitCommit();
  const examples = readdirSync(path.join(repoRoot, "policies")).filter((file) => file.endsWith(".policy.ts")).length;
  progress(`bench: ${runs} runs per row (+1 warm-up), each paired with node -e 0; temp dir ${root}`);

  // The worked examples as a user's repository holds them: with @types/node.
  const worked = path.join(root, "worked-examples");
  generateProject(worked, 0, repoRoot);
  cpSync(path.join(repoRoot, "policies"), path.join(worked, "policies"), { recursive: true });
  const workedCli = path.join(worked, "node_modules", "regfence", "bin", "regfence.js");

  rows.push(await measure({ name: "--version", files: 0, cwd: worked, args: () => [workedCli, "--version"] }));
  rows.push(await measure({ name: "--help", files: 0, cwd: worked, args: () => [workedCli, "--help"] }));
  rows.push(await measure({ name: "worked examples, first type-check (1 warning, 1 note to place)", files: examples, cwd: worked, args: (out) => [workedCli, "compile", "--out", out], forgetTypeCheck: true }));
  rows.push(await measure({ name: "worked examples, fresh out dir (1 warning, 1 note to place)", files: examples, cwd: worked, args: (out) => [workedCli, "compile", "--out", out] }));
  rows.push(await measure({ name: "worked examples, up to date", files: examples, cwd: worked, args: (out) => [workedCli, "compile", "--out", out], outDir: "reuse", check: upToDate }));
  rows.push(await measure({ name: "worked examples --no-typecheck", files: examples, cwd: worked, args: (out) => [workedCli, "compile", "--out", out, "--no-typecheck"] }));
  // The worked examples with 100 more expectations, for `regfence test` beside `compile --check`.
  const tested = path.join(root, "worked-examples-tested");
  generateProject(tested, 0, repoRoot);
  cpSync(path.join(repoRoot, "policies"), path.join(tested, "policies"), { recursive: true });
  writeFileSync(path.join(tested, "policies", "bench-tests.policy.ts"), expectationsPolicy(100));
  const testedCli = path.join(tested, "node_modules", "regfence", "bin", "regfence.js");
  const testedOut = compiledOutDir(tested, testedCli, []);
  rows.push(await measure({ name: "worked examples + 100 expectations, compile --check", files: examples + 1, cwd: tested, args: () => [testedCli, "compile", "--check", "--out", testedOut] }));
  rows.push(await measure({ name: "worked examples + 100 expectations, test", files: examples + 1, cwd: tested, args: () => [testedCli, "test"] }));

  const workedOut = compiledOutDir(worked, workedCli, []);
  const workedState = path.join(root, "worked-examples-state");
  writeSavedState(workedOut, workedState);
  rows.push(await measure({ name: "worked examples, compile --check", files: examples, cwd: worked, args: () => [workedCli, "compile", "--check", "--out", workedOut] }));
  rows.push(await measure({ name: "worked examples, plan --from saved state", files: examples, cwd: worked, args: () => [workedCli, "plan", "--from", workedState], check: inSync }));

  const projects = [];
  for (const size of sizes) {
    progress(`generating ${size} policy files…`);
    const project = generateProject(path.join(root, `project-${size}`), size, repoRoot);
    await verifyGenerated(project);
    projects.push(project);
  }
  // The CLI as a user's repository runs it: node_modules/regfence/bin/regfence.js (the symlink).
  const userCli = (project) => path.join(project.directory, "node_modules", "regfence", "bin", "regfence.js");
  for (const project of projects) {
    rows.push(
      await measure({ name: "generated, first type-check", files: project.files, cwd: project.directory, args: (out) => [userCli(project), "compile", "policies", "--out", out], forgetTypeCheck: true }),
    );
  }
  for (const project of projects) {
    rows.push(await measure({ name: "generated, fresh out dir", files: project.files, cwd: project.directory, args: (out) => [userCli(project), "compile", "policies", "--out", out] }));
  }
  for (const project of projects) {
    rows.push(
      await measure({ name: "generated, up to date", files: project.files, cwd: project.directory, args: (out) => [userCli(project), "compile", "policies", "--out", out], outDir: "reuse", check: upToDate }),
    );
  }

  for (const project of projects) {
    const state = path.join(project.directory, "state");
    writeSavedState(compiledOutDir(project.directory, userCli(project), ["policies"]), state);
    rows.push(await measure({ name: "generated, plan --from saved state", files: project.files, cwd: project.directory, args: () => [userCli(project), "plan", "--from", state], check: inSync }));
  }

  const chromium = ["chromium", "chromium-browser"].find((name) => spawnSync("sh", ["-c", `command -v ${name}`]).status === 0);
  if (chromium === undefined) progress("  (chromium is not installed: no report rendering rows)");
  for (const project of chromium === undefined ? [] : projects) {
    rows.push(reportRendering(chromium, project, path.join(compiledOutDir(project.directory, userCli(project), ["policies"]), "report", "index.html")));
  }

  const growths = [growth(rows, ", first type-check"), growth(rows, ", fresh out dir"), growth(rows, ", up to date"), growth(rows, ", plan --from saved state")].filter(
    (entry) => entry !== undefined,
  );
  const results = {
    date: new Date().toISOString(),
    commit,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
    loadAverage1m: { before: loadBefore, after: loadavg()[0] },
    runs,
    cidrsPerGeneratedFile: cidrsPerFile,
    rows,
    growth: growths,
  };
  const resultsFile = path.join(root, "results.json");
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);

  const lines = [
    `regfence, median of ${runs} runs (+1 warm-up) each, every run paired with node -e 0 (× is the median of the pairs' ratios); node ${process.version}, ${cpus().length} CPUs, 1-min load ${fixed(loadBefore, 2)} before / ${fixed(results.loadAverage1m.after, 2)} after; memory: the regfence process (main), the largest process and the whole process tree (tsc and esbuild included)`,
    "",
    markdownTable(rows),
    "",
  ];
  for (const entry of growths) {
    lines.push(
      `${entry.case}: ${fixed(entry.perFileMsSmall, 2)} ms/file at ${entry.smallFiles} files, ${fixed(entry.perFileMsLarge, 2)} ms/file at ${entry.largeFiles} files, ratio ${fixed(entry.perFileRatio, 2)} (≤ 1 means at most linear); marginal cost per added file ${fixed(entry.marginalMsPerFileLarge, 2)} ms (${entry.smallFiles}→${entry.largeFiles})`,
    );
  }
  lines.push("", `results: ${resultsFile}`);
  process.stdout.write(`${lines.join("\n")}\n`);
}

let failed = false;
try {
  await main();
} catch (error) {
  if (!(error instanceof BenchFailure)) throw error;
  failed = true;
  process.stderr.write(`bench: stopped; generated files kept in ${root}\n`);
} finally {
  if (!failed && !keep) {
    for (const entry of readdirSync(root)) if (entry !== "results.json") rmSync(path.join(root, entry), { recursive: true, force: true });
  }
}
process.exitCode = failed ? 1 : 0;
