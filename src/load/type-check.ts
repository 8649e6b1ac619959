import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Diagnostic, Severity } from "../diagnostics/diagnostic.js";
import { FatalError } from "../diagnostics/fatal-error.js";
import { packagePath, packageRequire } from "../package-root.js";
import { relativeToCwd } from "./paths.js";
import { TypeCheckCache } from "./type-check-cache.js";

/**
 * Type-checks policy files with the native TypeScript 7 compiler (`tsc`, written in Go): about a
 * tenth of the cost of an in-process TypeScript 6 program, with the same file(line,col)
 * positions. The DSL's own declarations are mapped in with `paths`, so a policy is checked against
 * exactly the regfence that will evaluate it.
 */
export async function typeCheck(files: readonly string[], cwd: string, options: TypeCheckOptions): Promise<Diagnostic[]> {
  // Beside Node's own work, tsc's parallel checkers would take the core Node runs on.
  const run: TscRun = { cwd, flags: options.besideOtherWork ? ["--singleThreaded"] : [] };
  // tsc's memory grows with the files it holds: a large set is checked in chunks, one after the
  // other, so no tsc process holds more than `chunkSize` policies (each chunk's clean check is
  // remembered on its own).
  const diagnostics: Diagnostic[] = [];
  for (let start = 0; start < files.length; start += chunkSize) diagnostics.push(...(await checkChunk(files.slice(start, start + chunkSize), run)));
  return diagnostics;
}

export interface TypeCheckOptions {
  /** Whether the check runs while this process bundles and evaluates the policies. */
  readonly besideOtherWork: boolean;
}

/** Where tsc runs, and the flags of this run. */
interface TscRun {
  readonly cwd: string;
  readonly flags: readonly string[];
}

/** The most policies one tsc process checks. */
const chunkSize = 500;

async function checkChunk(files: readonly string[], run: TscRun): Promise<Diagnostic[]> {
  const { cwd } = run;
  const diagnostics = await checkOnce(files, run);
  // tsc stops at syntax errors (TS1xxx) and then reports no type errors at all: check the
  // files that do parse once more, so one broken file does not hide the others' mistakes.
  const unparsable = new Set(diagnostics.filter(isSyntactic).map((diagnostic) => path.resolve(cwd, diagnostic.file)));
  if (unparsable.size === 0) return diagnostics;
  const seen = new Set(diagnostics.map(key));
  const rest = await checkOnce(
    files.filter((file) => !unparsable.has(path.resolve(cwd, file))),
    run,
  );
  return [...diagnostics, ...rest.filter((diagnostic) => !seen.has(key(diagnostic)))];
}

function isSyntactic(diagnostic: Diagnostic): boolean {
  return /^TS1\d{3}$/.test(diagnostic.code) && diagnostic.severity === "error";
}

function key(diagnostic: Diagnostic): string {
  return `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}:${diagnostic.code}`;
}

/**
 * One check of these files, against as few declarations as will do. regfence's package root
 * (with the config's types, which reach zod and yaml) and Node's types make tsc read about 230
 * files where the DSL and TypeScript's libs are 75: the files are checked against the DSL alone
 * first, and against the package root and Node's types only when that check misses a name,
 * module, export or property they could declare (`process`, `node:fs`, `import.meta.url`, a
 * config type imported from "regfence"). More declarations cannot make a clean check unclean.
 */
async function checkOnce(files: readonly string[], run: TscRun): Promise<Diagnostic[]> {
  const { cwd } = run;
  if (files.length === 0) return [];
  const absolute = files.map((file) => path.resolve(cwd, file));
  const lean = new PolicyProject(absolute, cwd, { regfence: packagePath("dist", "dsl", "index.d.ts"), nodeTypeRoots: [] });
  // The usual repeated run ends here, without building the second project.
  if (await lean.cache.isClean()) return [];
  const roots = typeRoots(cwd);
  const full = new PolicyProject(absolute, cwd, { regfence: packagePath("dist", "index.d.ts"), nodeTypeRoots: roots.some(holdsNodeTypes) ? roots : [] });
  if (await full.cache.isClean()) return [];
  const diagnostics = await lean.check(run);
  return diagnostics.some(mayNeedMoreDeclarations) ? full.check(run) : diagnostics;
}

/** What a policy is checked against: regfence's declarations, and Node's types from these folders (none when empty). */
interface Declarations {
  readonly regfence: string;
  readonly nodeTypeRoots: readonly string[];
}

/** A tsconfig for the policies and the memory of its clean check. */
class PolicyProject {
  readonly config: string;
  readonly cache: TypeCheckCache;

  constructor(files: readonly string[], cwd: string, declarations: Declarations) {
    this.config = JSON.stringify(policyProject(files, declarations));
    this.cache = new TypeCheckCache(cwd, `${tscBinary()}\n${this.config}`);
  }

  async check({ cwd, flags }: TscRun): Promise<Diagnostic[]> {
    const directory = await mkdtemp(path.join(tmpdir(), "regfence-tsc-"));
    try {
      const project = path.join(directory, "tsconfig.json");
      await writeFile(project, this.config);
      const output = await runTsc(["--project", project, "--pretty", "false", "--listFiles", ...flags], cwd);
      // --listFiles prints each file read, one absolute path a line, beside the diagnostics.
      const lines = output.split(/\r?\n/);
      const read = new Set(lines.filter((line) => path.isAbsolute(line) && !located.test(line)));
      const diagnostics = parseTscOutput(lines.filter((line) => !read.has(line)).join("\n"), cwd);
      if (diagnostics.length === 0) await this.cache.rememberClean([...read]);
      return diagnostics;
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }
}

/**
 * What a policy gets for what only more declarations provide: a name (`process`, `Buffer`,
 * `console`, `URL`), a module (`node:fs`), a namespace (`NodeJS`), a property (`import.meta.url`)
 * or an export of "regfence" (`RegfenceConfig`) not found.
 */
const missingDeclarations = new Set(["TS2304", "TS2305", "TS2307", "TS2339", "TS2503", "TS2552", "TS2580", "TS2584", "TS2591", "TS2614", "TS2724", "TS2792"]);

function mayNeedMoreDeclarations(diagnostic: Diagnostic): boolean {
  return diagnostic.severity === "error" && missingDeclarations.has(diagnostic.code);
}

/** Policies see ES2022, regfence and, given type roots, Node's types; no other ambient types, and never the DOM. */
function policyProject(files: readonly string[], { regfence, nodeTypeRoots }: Declarations): object {
  return {
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: "es2022",
      lib: ["es2022"],
      module: "preserve",
      moduleResolution: "bundler",
      allowImportingTsExtensions: true,
      resolveJsonModule: true,
      skipLibCheck: true,
      typeRoots: nodeTypeRoots,
      types: nodeTypeRoots.length === 0 ? [] : ["node"],
      paths: { regfence: [regfence] },
    },
    files,
  };
}

/** The `node_modules/@types` folders from `cwd` up, as Node resolves packages. */
function typeRoots(cwd: string): string[] {
  const roots: string[] = [];
  for (let directory = cwd; ; directory = path.dirname(directory)) {
    const candidate = path.join(directory, "node_modules", "@types");
    if (existsSync(candidate)) roots.push(candidate);
    if (path.dirname(directory) === directory) return roots;
  }
}

/** Whether `@types/node` is in this folder, so a policy may use what its editor allows (`node:fs`, `process`). */
function holdsNodeTypes(typeRoot: string): boolean {
  return existsSync(path.join(typeRoot, "node", "package.json"));
}

/** The compiler found by {@link tscBinary}: every project's cache key and every run need it. */
let foundTsc: string | undefined;

/** The native compiler shipped for this platform in TypeScript's optional dependencies. */
function tscBinary(): string {
  if (foundTsc !== undefined) return foundTsc;
  const platformPackage = `@typescript/typescript-${process.platform}-${process.arch}/package.json`;
  try {
    const typescriptRoot = path.dirname(packageRequire.resolve("typescript/package.json"));
    const binary = createRequire(path.join(typescriptRoot, "package.json")).resolve(platformPackage);
    foundTsc = path.join(path.dirname(binary), "lib", process.platform === "win32" ? "tsc.exe" : "tsc");
    return foundTsc;
  } catch {
    throw new FatalError(
      "config",
      `no native TypeScript compiler is installed for ${process.platform}-${process.arch} (${platformPackage.replace("/package.json", "")}, an optional dependency of typescript); reinstall without --omit=optional, or skip type-checking with --no-typecheck or \`typeCheck: false\``,
    );
  }
}

function runTsc(args: string[], cwd: string): Promise<string> {
  const command = tscBinary();
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      // tsc exits 1 or 2 when it found errors; that is the normal path, not a failure.
      if (error !== null && typeof error.code !== "number") {
        reject(new FatalError("internal", `could not run the TypeScript compiler (${command}): ${error.message}`));
      } else if (stdout.trim() === "" && stderr.trim() !== "") {
        reject(new FatalError("internal", `the TypeScript compiler failed: ${stderr.trim()}`));
      } else {
        resolve(stdout);
      }
    });
  });
}

/** tsc's categories; `message` (suggestions) counts as information. */
const tscSeverities = { error: "error", warning: "warning", message: "info" } as const satisfies Record<string, Severity>;

/**
 * Hints for type errors whose message names a DSL type, so the editor's error and regfence's say
 * the same thing as the shape check does without type-checking.
 */
const typeErrorHints: readonly { readonly type: RegExp; readonly hint: string }[] = [
  { type: /\bSecretSource\b/, hint: 'secrets are never written in a policy: use fromEnv("NAME") or fromFile("path")' },
];

function withHint(diagnostic: Diagnostic): Diagnostic {
  const found = typeErrorHints.find(({ type }) => type.test(diagnostic.message));
  return found === undefined ? diagnostic : { ...diagnostic, hint: found.hint };
}

const located = /^(.+)\((\d+),(\d+)\): (error|warning|message) TS(\d+): (.*)$/;
const unlocated = /^(error|warning|message) TS(\d+): (.*)$/;

/** Parses `--pretty false` output; indented lines continue the message before them. */
export function parseTscOutput(output: string, cwd: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const line of output.split(/\r?\n/)) {
    const match = located.exec(line);
    if (match !== null) {
      const [, file = "", lineText = "0", columnText = "0", category, code, message = ""] = match;
      diagnostics.push({
        code: `TS${code}`,
        severity: tscSeverities[category as keyof typeof tscSeverities],
        message,
        file: relativeToCwd(path.resolve(cwd, file), cwd),
        line: Number(lineText),
        column: Number(columnText),
      });
      continue;
    }
    const last = diagnostics.at(-1);
    if (/^\s+\S/.test(line) && last !== undefined) {
      diagnostics[diagnostics.length - 1] = { ...last, message: `${last.message}\n${line.trimEnd()}` };
    } else if (unlocated.test(line)) {
      throw new FatalError("internal", `the TypeScript compiler rejected regfence's policy project: ${line}`);
    }
  }
  return diagnostics.map(withHint);
}
