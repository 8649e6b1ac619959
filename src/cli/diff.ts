import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../config/load-config.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { FatalError } from "../diagnostics/fatal-error.js";
import type { ProgramNode } from "../ir/model.js";
import { discoverPolicies } from "../load/discover.js";
import { type AccessDiff, accessDiff } from "../pipeline/access-diff.js";
import { runPipeline } from "../pipeline/run-pipeline.js";
import { parseFormat, policyCommandOptions } from "./options.js";
import { printDiagnostics, printJson } from "./report.js";

export const diffHelp = `Usage: regfence diff --base <git-ref> [options]

Compiles the policies at a base revision and in the working tree, and prints what the change
opens or closes: addresses that gain or lose an endpoint, images routed or judged otherwise,
credentials added or removed, what a VCH may pull from. It reports and never gates: exit 0 whatever
the change. Secret values play no part.

Options:
  --base REF           the revision to compare with (a branch, tag or commit)
  --format FORMAT      markdown (default, for a pull-request comment) or json
  --config FILE        config file (default: searched in the working directory)
  --no-typecheck       skip type-checking the working tree (the base is not type-checked)
  -h, --help           show this help

Exit codes: 0 the change was compared, 1 the working tree's policies have errors, 2 usage error,
a base revision that does not exist or whose policies do not compile, or an internal error.`;

/** Runs git in the repository; its output, or a usage error saying what git said. */
function git(args: readonly string[], cwd: string, into?: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", [...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    if (into !== undefined) child.stdout.pipe(into);
    else child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error: NodeJS.ErrnoException) => reject(new FatalError("usage", error.code === "ENOENT" ? "git is not on PATH" : error.message)));
    child.on("close", (status) => {
      if (status === 0) resolve(Buffer.concat(stdout).toString("utf8").trim());
      else reject(new FatalError("usage", `git ${args[0] ?? ""} failed: ${Buffer.concat(stderr).toString("utf8").trim().split("\n").at(-1) ?? ""}`));
    });
  });
}

/** The tree of `commit` written into `directory` (git archive | tar -x): no checkout, no repository state touched. */
async function extract(commit: string, root: string, directory: string): Promise<void> {
  const tar = spawn("tar", ["-x", "-C", directory], { stdio: ["pipe", "ignore", "pipe"] });
  const done = new Promise<void>((resolve, reject) => {
    tar.on("error", (error) => reject(new FatalError("usage", `tar could not run: ${error.message}`)));
    tar.on("close", (status) => (status === 0 ? resolve() : reject(new FatalError("usage", `tar could not extract ${commit}`))));
  });
  await git(["archive", "--format=tar", commit], root, tar.stdin);
  await done;
}

/** The base revision's program: its policies as its own config finds them, compiled without writing. */
async function baseProgram(ref: string, cwd: string): Promise<ProgramNode> {
  const root = await git(["rev-parse", "--show-toplevel"], cwd).catch(() => {
    throw new FatalError("usage", "diff --base compares git revisions: run it inside a git repository");
  });
  const commit = await git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], cwd).catch(() => {
    throw new FatalError("usage", `base revision "${ref}" does not exist (fetch it first, e.g. git fetch origin main)`);
  });
  const directory = await mkdtemp(path.join(tmpdir(), "regfence-diff-"));
  try {
    await extract(commit, root, directory);
    const baseCwd = path.join(directory, path.relative(root, cwd));
    const config = await loadConfig(baseCwd, undefined);
    // A base with no policy yet: everything the working tree declares is new.
    if ((await discoverPolicies([], config.policies, config.baseDirectory, baseCwd)).length === 0) return { policies: [] };
    const result = await runPipeline({ cwd: baseCwd, config, paths: [], targets: undefined, typeCheck: false, emit: false, secrets: false });
    if (hasErrors(result.diagnostics) || result.program === undefined) {
      printDiagnostics(result.diagnostics, "pretty", baseCwd);
      throw new FatalError("usage", `the policies at ${ref} (${commit.slice(0, 12)}) do not compile, so there is nothing to compare with`);
    }
    return result.program;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

const cell = (text: string): string => text.replace(/\|/g, "\\|");

/** The change as a pull-request comment. */
export function markdownDiff(diff: AccessDiff, base: string): string {
  const sections: string[] = [`## Registry access change against \`${base}\``, ""];
  const list = (title: string, lines: readonly string[]) => {
    if (lines.length === 0) return;
    sections.push(`### ${title}`, "", ...lines.map((line) => `- ${line.replace(/^([+~-]) /, (_, sign: string) => ({ "+": "**added** ", "-": "**removed** ", "~": "**changed** " })[sign] ?? "")}`), "");
  };
  list("Networks and endpoints", diff.networks);
  if (diff.images.length > 0) {
    sections.push("### Images", "", "| image | before | after |", "| --- | --- | --- |", ...diff.images.map(({ image, before, after }) => `| \`${cell(image)}\` | ${cell(before)} | ${cell(after)} |`), "");
  }
  list("Credentials", diff.credentials);
  list("Container hosts", diff.containerHosts);
  if (sections.length === 2) sections.push("No change to registry access.", "");
  return `${sections.join("\n").trimEnd()}\n`;
}

export async function diffCommand(args: readonly string[], cwd: string): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { ...policyCommandOptions, base: { type: "string" }, format: { type: "string" } } });
  if (values.help) {
    process.stdout.write(`${diffHelp}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new FatalError("usage", `unexpected argument "${positionals[0] ?? ""}": name the base with --base`);
  if (values.base === undefined || values.base.trim() === "") throw new FatalError("usage", "name the revision to compare with: regfence diff --base origin/main");
  const format = parseFormat(values.format, ["markdown", "json"]);
  const before = await baseProgram(values.base, cwd);
  const config = await loadConfig(cwd, values.config);
  const result = await runPipeline({ cwd, config, paths: [], targets: undefined, typeCheck: config.typeCheck && !values["no-typecheck"], emit: false, secrets: false });
  if (hasErrors(result.diagnostics) || result.program === undefined) {
    printDiagnostics(result.diagnostics, "pretty", cwd);
    process.stderr.write("nothing compared: fix the policy errors first\n");
    return 1;
  }
  const diff = accessDiff(before, result.program);
  if (format === "json") printJson({ base: values.base, ...diff });
  else process.stdout.write(markdownDiff(diff, values.base));
  return 0;
}
