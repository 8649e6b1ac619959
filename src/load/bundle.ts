import { type BuildFailure, type Message, type Plugin, build, stop } from "esbuild";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import pLimit from "p-limit";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { packagePath } from "../package-root.js";
import { relativeToCwd } from "./paths.js";
import type { DiagnosticCode } from "../diagnostics/catalogue.js";

/** The bundled form of a set of policy files, ready to import one entry at a time. */
export interface PolicyBundle {
  /** Policy file (absolute) → its entry module (absolute). */
  readonly entries: ReadonlyMap<string, string>;
  /** Every emitted module (absolute) → the text of its source map, kept in memory. */
  readonly sourceMaps: ReadonlyMap<string, string>;
}

/**
 * Bundled CommonJS dependencies call `require`, which ES modules lack: give each output one, so a
 * policy may import any package Node could.
 */
export const requireShim = { js: 'import { createRequire as __regfenceCreateRequire } from "node:module"; const require = __regfenceCreateRequire(import.meta.url);' };

/**
 * `import … from "regfence"` in a policy resolves to the very module this process runs, so DSL
 * values and the loader share one definition (and one version).
 */
export const dslPlugin: Plugin = {
  name: "regfence-dsl",
  setup(builder) {
    builder.onResolve({ filter: /^regfence$/ }, () => ({ path: pathToFileURL(packagePath("dist", "index.js")).href, external: true }));
  },
};

/** `import.meta.url`, `.filename`, `.dirname` of a module, as identifiers bound per module. */
const importMeta = { url: "__regfenceImportMetaUrl", filename: "__regfenceImportMetaFilename", dirname: "__regfenceImportMetaDirname" } as const;
const metaNamespace = "regfence-import-meta";
const loaders = { ".ts": "ts", ".mts": "ts", ".cts": "ts", ".tsx": "tsx", ".js": "js", ".mjs": "js", ".cjs": "js", ".jsx": "jsx" } as const;

/**
 * In a bundle every module would see the temporary chunk's `import.meta`: each module that uses
 * it gets its own file's values instead, so `new URL("./ranges.json", import.meta.url)` finds the
 * file next to the policy. The bindings come from an import appended at the end of the module
 * (imports are hoisted), so no line or column of the source moves.
 */
export const importMetaPlugin: Plugin = {
  name: "regfence-import-meta",
  setup(builder) {
    builder.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
      if (args.namespace !== "file") return undefined;
      const source = await readFile(args.path, "utf8");
      if (!source.includes("import.meta")) return undefined;
      const names = Object.entries(importMeta).map(([key, local]) => `${key} as ${local}`);
      const binding = `\n;import { ${names.join(", ")} } from ${JSON.stringify(pathToFileURL(args.path).href)} with { type: ${JSON.stringify(metaNamespace)} };\n`;
      return { contents: `${source}${binding}`, loader: loaders[path.extname(args.path) as keyof typeof loaders], resolveDir: path.dirname(args.path) };
    });
    builder.onResolve({ filter: /^file:/ }, (args) => (args.with["type"] === metaNamespace ? { path: args.path, namespace: metaNamespace } : undefined));
    builder.onLoad({ filter: /.*/, namespace: metaNamespace }, (args) => {
      const filename = fileURLToPath(args.path);
      return { contents: `export const url = ${JSON.stringify(args.path)}, filename = ${JSON.stringify(filename)}, dirname = ${JSON.stringify(path.dirname(filename))};`, loader: "js" };
    });
  },
};

/**
 * Bundles policies with esbuild, one entry per policy and shared modules split into chunks, so
 * one policy that throws while evaluating does not stop the others. Source maps carry call sites
 * back to the policy's own line and column.
 */
export async function bundlePolicies(
  files: readonly string[],
  outdir: string,
  cwd: string,
): Promise<{ bundle: PolicyBundle; diagnostics: Diagnostic[] }> {
  try {
    return { bundle: await buildEntries(files, outdir, cwd), diagnostics: [] };
  } catch (error) {
    return await bundleOneByOne(files, outdir, cwd, error);
  } finally {
    // esbuild's service process would stay resident (over 100 MiB at 1,000 policies) while tsc
    // checks and the policies are evaluated: nothing else is bundled in this run.
    await stop();
  }
}

/** After a failed build: each file on its own, so one file that does not parse does not hide the others. */
async function bundleOneByOne(files: readonly string[], outdir: string, cwd: string, error: unknown): Promise<{ bundle: PolicyBundle; diagnostics: Diagnostic[] }> {
  if (!isBuildFailure(error)) throw error;
  const diagnostics: Diagnostic[] = [];
  const entries = new Map<string, string>();
  const sourceMaps = new Map<string, string>();
  for (const [index, file] of files.entries()) {
    try {
      const single = await buildEntries([file], path.join(outdir, `single-${index}`), cwd);
      for (const [key, value] of single.entries) entries.set(key, value);
      for (const [key, value] of single.sourceMaps) sourceMaps.set(key, value);
    } catch (singleError) {
      if (!isBuildFailure(singleError)) throw singleError;
      diagnostics.push(...singleError.errors.map((message) => buildDiagnostic(message, file, cwd)));
    }
  }
  return { bundle: { entries, sourceMaps }, diagnostics: dedupe(diagnostics) };
}

async function buildEntries(files: readonly string[], outdir: string, cwd: string): Promise<PolicyBundle> {
  const result = await build({
    entryPoints: [...files],
    absWorkingDir: cwd,
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    entryNames: "[name]-[hash]",
    chunkNames: "chunk-[hash]",
    sourcemap: "external",
    sourcesContent: false,
    metafile: true,
    write: false,
    logLevel: "silent",
    plugins: [dslPlugin, importMetaPlugin],
    define: { "import.meta.url": importMeta.url, "import.meta.filename": importMeta.filename, "import.meta.dirname": importMeta.dirname },
    banner: requireShim,
  });
  const entries = new Map<string, string>();
  const sourceMaps = new Map<string, string>();
  await mkdir(outdir, { recursive: true });
  const limit = pLimit(32);
  const writes: Promise<void>[] = [];
  for (const output of result.outputFiles) {
    if (output.path.endsWith(".map")) sourceMaps.set(output.path.slice(0, -".map".length), output.text);
    else writes.push(limit(() => writeFile(output.path, output.contents)));
  }
  await Promise.all(writes);
  for (const [output, meta] of Object.entries(result.metafile.outputs)) {
    if (meta.entryPoint !== undefined) entries.set(path.resolve(cwd, meta.entryPoint), path.resolve(cwd, output));
  }
  return { entries, sourceMaps };
}

function isBuildFailure(error: unknown): error is BuildFailure {
  return error instanceof Error && Array.isArray((error as Partial<BuildFailure>).errors);
}

function buildDiagnostic(message: Message, fallbackFile: string, cwd: string): Diagnostic {
  const location = message.location;
  return {
    code: "RF1002" satisfies DiagnosticCode,
    severity: "error",
    message: message.text,
    file: relativeToCwd(location === null ? fallbackFile : path.resolve(cwd, location.file), cwd),
    line: location?.line ?? 0,
    column: location === null ? 0 : location.column + 1,
  };
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((diagnostic) => {
    const key = `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}:${diagnostic.message}`;
    return !seen.has(key) && seen.add(key) !== undefined;
  });
}
