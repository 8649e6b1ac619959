import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (the directory holding package.json and bin/). */
export const repoRoot = fileURLToPath(new URL("../../", import.meta.url)).replace(/[\\/]$/, "");

/** The CLI entry point users run: `bin/regfence.js` (it imports the built dist/). */
export const cliPath = path.join(repoRoot, "bin", "regfence.js");

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Working directory of the CLI (default: the repository root). */
  readonly cwd?: string;
  /** Variables added to (or, when undefined, removed from) the current environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * How many CLI processes one test worker runs at once (each is a Node process plus a native tsc);
 * more wait their turn, so Promise.all and concurrent tests cannot swamp a small machine.
 */
const maxRunning = Math.max(1, Number(process.env["REGFENCE_TEST_CLI_CONCURRENCY"]) || availableParallelism());
let running = 0;
const waiting: (() => void)[] = [];

async function withSlot<T>(work: () => Promise<T>): Promise<T> {
  // A finishing run hands its slot straight to the next waiter, so `running` never overshoots.
  if (running >= maxRunning) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next === undefined) running--;
    else next();
  }
}

/**
 * Runs `node bin/regfence.js …args` as a user would and collects what they would see. Async, so
 * independent runs can go in parallel with Promise.all.
 */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  return withSlot(() => spawnCli(args, options));
}

function spawnCli(args: readonly string[], options: RunOptions): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, NO_COLOR: "1", ...options.env })) if (value !== undefined) env[key] = value;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: options.cwd ?? repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8") }));
  });
}

/** A throwaway project directory laid out like a user's repository. */
export interface TempProject {
  readonly dir: string;
  /** Absolute path of a file or directory inside the project. */
  path(...relative: string[]): string;
  /** Writes files (paths relative to the project, `/`-separated), creating directories. */
  write(files: Readonly<Record<string, string>>): Promise<void>;
  /** Runs the CLI with the project as working directory. */
  run(args: readonly string[], env?: RunOptions["env"]): Promise<CliResult>;
  remove(): Promise<void>;
}

const created = new Set<string>();

/**
 * Creates a temp project holding `files`, plus `node_modules/regfence` linked to this repository,
 * so `import … from "regfence"` resolves there exactly as in a user's repository (Node resolution
 * for `.mjs` configs; the loader itself maps "regfence" to the running dist).
 */
export async function createProject(files: Readonly<Record<string, string>> = {}): Promise<TempProject> {
  const dir = await mkdtemp(path.join(tmpdir(), "regfence-test-"));
  created.add(dir);
  await mkdir(path.join(dir, "node_modules"), { recursive: true });
  await symlink(repoRoot, path.join(dir, "node_modules", "regfence"), process.platform === "win32" ? "junction" : "dir");
  const project: TempProject = {
    dir,
    path: (...relative) => path.join(dir, ...relative),
    async write(more) {
      for (const [file, content] of Object.entries(more)) {
        const absolute = path.join(dir, ...file.split("/"));
        await mkdir(path.dirname(absolute), { recursive: true });
        await writeFile(absolute, content);
      }
    },
    run: (args, env) => runCli(args, { cwd: dir, ...(env === undefined ? {} : { env }) }),
    async remove() {
      created.delete(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
  await project.write(files);
  return project;
}

/** Removes every project created by this worker and not yet removed (call from afterAll). */
export async function removeProjects(): Promise<void> {
  await Promise.all([...created].map((dir) => rm(dir, { recursive: true, force: true })));
  created.clear();
}

/** A fresh empty temp directory (e.g. an `--out` target), removed by {@link removeProjects}. */
export async function tempDir(prefix = "regfence-out-"): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  created.add(dir);
  return dir;
}

/** `file:line:col` of the first occurrence of `needle` in `source` (1-based, as diagnostics print it). */
export function positionOf(file: string, source: string, needle: string, occurrence = 1): string {
  let index = -1;
  for (let n = 0; n < occurrence; n++) {
    index = source.indexOf(needle, index + 1);
    if (index < 0) throw new Error(`${JSON.stringify(needle)} (occurrence ${occurrence}) not found in ${file}`);
  }
  const before = source.slice(0, index).split("\n");
  return `${file}:${before.length}:${(before.at(-1) ?? "").length + 1}`;
}

/** True when the text contains a JavaScript stack trace line. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+(:\d+:\d+\)?|\(node:.+\))$/m.test(text);
}
