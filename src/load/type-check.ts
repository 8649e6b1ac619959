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
export async function typeCheck(files: readonly string[], cwd: string): Promise<Diagnostic[]> {
  // tsc's memory grows with the files it holds: a large set is checked in chunks, one after the
  // other, so no tsc process holds more than `chunkSize` policies (each chunk's clean check is
  // remembered on its own).
  const diagnostics: Diagnostic[] = [];
  for (let start = 0; start < files.length; start += chunkSize) diagnostics.push(...(await checkChunk(files.slice(start, start + chunkSize), cwd)));
  return diagnostics;
}

/** The most policies one tsc process checks. */
const chunkSize = 500;

async function checkChunk(files: readonly string[], cwd: string): Promise<Diagnostic[]> {
  const diagnostics = await checkOnce(files, cwd);
  // tsc stops at syntax errors (TS1xxx) and then reports no type errors at all: check the
  // files that do parse once more, so one broken file does not hide the others' mistakes.
  const unparsable = new Set(diagnostics.filter(isSyntactic).map((diagnostic) => path.resolve(cwd, diagnostic.file)));
  if (unparsable.size === 0) return diagnostics;
  const seen = new Set(diagnostics.map(key));
  const rest = await checkOnce(
    files.filter((file) => !unparsable.has(path.resolve(cwd, file))),
    cwd,
  );
  return [...diagnostics, ...rest.filter((diagnostic) => !seen.has(key(diagnostic)))];
}

function isSyntactic(diagnostic: Diagnostic): boolean {
  return /^TS1\d{3}$/.test(diagnostic.code) && diagnostic.severity === "error";
}

function key(diagnostic: Diagnostic): string {
  return `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}:${diagnostic.code}`;
}

async function checkOnce(files: readonly string[], cwd: string): Promise<Diagnostic[]> {
  if (files.length === 0) return [];
  const config = JSON.stringify(policyProject(files.map((file) => path.resolve(cwd, file)), cwd));
  const cache = new TypeCheckCache(cwd, `${tscBinary()}\n${config}`);
  if (await cache.isClean()) return [];
  const directory = await mkdtemp(path.join(tmpdir(), "regfence-tsc-"));
  try {
    const project = path.join(directory, "tsconfig.json");
    await writeFile(project, config);
    const output = await runTsc(["--project", project, "--pretty", "false", "--listFiles"], cwd);
    // --listFiles prints each file read, one absolute path a line, beside the diagnostics.
    const lines = output.split(/\r?\n/);
    const read = new Set(lines.filter((line) => path.isAbsolute(line) && !located.test(line)));
    const diagnostics = parseTscOutput(lines.filter((line) => !read.has(line)).join("\n"), cwd);
    if (diagnostics.length === 0) await cache.rememberClean([...read]);
    return diagnostics;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

function policyProject(files: readonly string[], cwd: string): object {
  const dslTypes = packagePath("dist", "index.d.ts");
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
      ...nodeTypes(cwd),
      paths: { regfence: [dslTypes] },
    },
    files,
  };
}

/**
 * Node's own types when the project has `@types/node`, so a policy may use what its editor allows
 * (`node:fs`, `process`); no other ambient types, and never the DOM.
 */
function nodeTypes(cwd: string): { typeRoots: string[]; types: string[] } {
  const typeRoots: string[] = [];
  for (let directory = cwd; ; directory = path.dirname(directory)) {
    const candidate = path.join(directory, "node_modules", "@types");
    if (existsSync(candidate)) typeRoots.push(candidate);
    if (path.dirname(directory) === directory) break;
  }
  const hasNode = typeRoots.some((root) => existsSync(path.join(root, "node", "package.json")));
  return { typeRoots, types: hasNode ? ["node"] : [] };
}

/** The native compiler shipped for this platform in TypeScript's optional dependencies. */
function tscBinary(): string {
  const platformPackage = `@typescript/typescript-${process.platform}-${process.arch}/package.json`;
  try {
    const typescriptRoot = path.dirname(packageRequire.resolve("typescript/package.json"));
    const binary = createRequire(path.join(typescriptRoot, "package.json")).resolve(platformPackage);
    return path.join(path.dirname(binary), "lib", process.platform === "win32" ? "tsc.exe" : "tsc");
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
