import { chmod, lstat, mkdir, readdir, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import pLimit from "p-limit";
import { FatalError } from "../diagnostics/fatal-error.js";
import type { Artifact } from "../output/artifact.js";
import type { OutputPlan } from "./plan-output.js";

/** File operations in flight at once: enough to hide I/O latency, few enough for any ulimit. */
const concurrency = 32;

/** One change made to the out dir, kept so a failure can undo it. */
interface Move {
  readonly target: string;
  /** Where the replaced or removed file waits until the run succeeds; undefined for a new file. */
  readonly backup: string | undefined;
  /** Whether a new file was put at `target`. */
  readonly placed: boolean;
}

/**
 * Applies a plan, all or nothing. New contents are staged inside the out dir first; then each
 * replaced or extra file is moved aside and each new one moved in. If anything fails, every move
 * is undone and the directories this run made are removed, so the out dir is left as it was (and
 * none is created where there was none); the error names the path, with no stack trace.
 */
export async function writeOutput(plan: OutputPlan): Promise<void> {
  const pending = plan.files.filter((file) => file.status !== "unchanged").map(({ artifact }) => artifact);
  if (pending.length > 0 && (await lstat(plan.outDir).catch(() => undefined)) === undefined) await writeFreshTree(plan.outDir, pending);
  else if (pending.length > 0 || plan.extra.length > 0) await replaceFiles(plan, pending);
  await enforceModes(plan);
}

/**
 * A new out dir is written whole beside where it goes, then moved in with one rename: one move
 * instead of one per file, and nothing at all in its place if anything fails.
 */
async function writeFreshTree(outDir: string, files: readonly Artifact[]): Promise<void> {
  const parent = path.dirname(outDir);
  const staging = path.join(parent, `.${path.basename(outDir)}.regfence-staging-${process.pid}`);
  let createdParent: string | undefined;
  try {
    createdParent = await makeDirectory(parent);
    await makeDirectories(staging, files.map((artifact) => artifact.path));
    const limit = pLimit(concurrency);
    await Promise.all(files.map((artifact) => limit(() => writeFile(path.join(staging, artifact.path), artifact.content, { mode: modeOf(artifact) }))));
    await rename(staging, outDir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    if (createdParent !== undefined) await rm(createdParent, { recursive: true, force: true }).catch(() => undefined);
    throw new FatalError("output", `could not write ${outDir}, which is left as it was: ${(error as Error).message}`, { cause: error });
  }
}

async function replaceFiles(plan: OutputPlan, pending: readonly Artifact[]): Promise<void> {
  const { outDir } = plan;
  // lstat: a symlinked out dir is used through its link, and never created or removed by a run.
  const link = await lstat(outDir).catch(() => undefined);
  const existing = await stat(outDir).catch(() => undefined);
  if (link !== undefined && existing === undefined) throw new FatalError("output", `cannot write to ${outDir}: it is a symbolic link to a directory that does not exist`);
  if (existing !== undefined && !existing.isDirectory()) throw new FatalError("output", `cannot write to ${outDir}: it is not a directory`);
  const staging = path.join(outDir, `.regfence-staging-${process.pid}`);
  const created: string[] = [];
  const moves: Move[] = [];
  const limit = pLimit(concurrency);
  try {
    created.push(...(await makeDirectories(outDir, pending.map((artifact) => artifact.path))));
    await makeDirectories(path.join(staging, "new"), pending.map((artifact) => artifact.path));
    await makeDirectories(path.join(staging, "old"), [...pending.map((artifact) => artifact.path), ...plan.extra]);
    await Promise.all(pending.map((artifact) => limit(() => writeFile(path.join(staging, "new", artifact.path), artifact.content, { mode: modeOf(artifact) }))));
    for (const artifact of pending) {
      const target = path.join(outDir, artifact.path);
      const backup = (await isPresent(target)) ? path.join(staging, "old", artifact.path) : undefined;
      if (backup !== undefined) {
        await rename(target, backup);
        moves.push({ target, backup, placed: false });
      }
      await rename(path.join(staging, "new", artifact.path), target);
      moves.push({ target, backup: undefined, placed: true });
    }
    for (const extra of plan.extra) {
      const target = path.join(outDir, extra);
      const backup = path.join(staging, "old", extra);
      await rename(target, backup);
      moves.push({ target, backup, placed: false });
    }
  } catch (error) {
    await undo(moves, created, staging, link === undefined ? outDir : undefined);
    throw new FatalError("output", `could not write ${outDir}, which is left as it was: ${(error as Error).message}`, { cause: error });
  }
  await rm(staging, { recursive: true, force: true });
  await removeEmptyDirectories(outDir, plan.extra);
}

/** Reverses the moves, newest first, then removes what this run created. Best effort by design. */
async function undo(moves: readonly Move[], created: readonly string[], staging: string, createdOutDir: string | undefined): Promise<void> {
  for (const move of [...moves].reverse()) {
    if (move.placed) await rm(move.target, { force: true }).catch(() => undefined);
    else if (move.backup !== undefined) await rename(move.backup, move.target).catch(() => undefined);
  }
  await rm(staging, { recursive: true, force: true }).catch(() => undefined);
  for (const directory of [...created].reverse()) await rm(directory, { recursive: true, force: true }).catch(() => undefined);
  if (createdOutDir !== undefined) await rm(createdOutDir, { recursive: true, force: true }).catch(() => undefined);
}

/** Each directory the files need, created once rather than once per file; returns the first made of each. */
async function makeDirectories(root: string, files: readonly string[]): Promise<string[]> {
  const made: string[] = [];
  for (const directory of [...new Set(files.map((file) => path.dirname(path.join(root, file))))].sort()) {
    const first = await makeDirectory(directory);
    if (first !== undefined) made.push(first);
  }
  return made;
}

/**
 * `mkdir -p`, one level at a time from the nearest existing ancestor. Node's recursive mkdir spins
 * forever where a parent keeps answering ENOENT (procfs: `/proc/x/y`); this fails at once instead.
 * Returns the first directory made, or undefined when it existed.
 */
async function makeDirectory(directory: string): Promise<string | undefined> {
  const missing: string[] = [];
  for (let current = directory; (await stat(current).catch(() => undefined)) === undefined; current = path.dirname(current)) {
    if (path.dirname(current) === current) break;
    missing.unshift(current);
  }
  for (const each of missing) await mkdir(each);
  return missing[0];
}

/** Directories left empty by removed files go too, up to (not including) the out dir. */
async function removeEmptyDirectories(outDir: string, removed: readonly string[]): Promise<void> {
  const candidates = new Set<string>();
  for (const file of removed) {
    for (let directory = path.dirname(file); directory !== "." && directory !== "/"; directory = path.dirname(directory)) candidates.add(directory);
  }
  for (const directory of [...candidates].sort((a, b) => b.length - a.length)) {
    const absolute = path.join(outDir, directory);
    if ((await readdir(absolute).catch(() => ["?"])).length === 0) await rmdir(absolute).catch(() => undefined);
  }
}

/**
 * Secret files stay 0600 and scripts 0755 even when an earlier run, a checkout or the umask left
 * them otherwise, and directories holding secrets are 0700, so other users cannot even list which
 * credentials exist. Plain files keep the mode they were created with.
 */
async function enforceModes(plan: OutputPlan): Promise<void> {
  for (const { artifact } of plan.files) {
    if (artifact.secret !== true && artifact.executable !== true) continue;
    const file = path.join(plan.outDir, artifact.path);
    await chmod(file, modeOf(artifact));
    if (artifact.secret === true) await chmod(path.dirname(file), 0o700);
  }
}

function modeOf(artifact: Artifact): number {
  return artifact.secret === true ? 0o600 : artifact.executable === true ? 0o755 : 0o644;
}

async function isPresent(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
