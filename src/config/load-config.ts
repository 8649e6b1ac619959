import { existsSync } from "node:fs";
import { cosmiconfig, type Loader } from "cosmiconfig";
import { build } from "esbuild";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { FatalError } from "../diagnostics/fatal-error.js";
import { dslPlugin, requireShim } from "../load/bundle.js";
import { importModule } from "../load/import-module.js";
import { templateOverrideProblem } from "../render/template-renderer.js";
import { allTargets, type ResolvedTargetOptions, type TargetName, targetNames } from "../targets/all-targets.js";
import type { AnyTarget } from "../targets/target.js";
import type { RegfenceConfig } from "./define-config.js";

/** The config with every default applied, paths absolute. */
export interface ResolvedConfig {
  /** The config file, or undefined when none was found. */
  readonly file: string | undefined;
  /** Globs are relative to this directory (the config file's, or the working directory). */
  readonly baseDirectory: string;
  readonly policies: readonly string[];
  readonly outDir: string;
  readonly targets: readonly TargetName[] | undefined;
  readonly templates: string | undefined;
  readonly typeCheck: boolean;
  /** Each target's section, defaults applied. */
  readonly targetOptions: ResolvedTargetOptions;
}


const everyTarget: readonly AnyTarget[] = Object.values(allTargets);

const configSchema = z.strictObject({
  policies: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  outDir: z.string().min(1).optional(),
  targets: z.array(z.enum(targetNames)).min(1, "list at least one target").optional(),
  templates: z.string().min(1).optional(),
  typeCheck: z.boolean().optional(),
  // Each target with options checks its own section.
  ...Object.fromEntries(everyTarget.flatMap(({ name, options }) => (options === undefined ? [] : [[name, options.schema.optional()]]))),
}) as unknown as z.ZodType<RegfenceConfig>;

/** Each target's section of a checked config, defaults applied. */
export function resolveTargetOptions(config: RegfenceConfig): ResolvedTargetOptions {
  const sections = config as Readonly<Record<string, unknown>>;
  return Object.fromEntries(everyTarget.map(({ name, options }) => [name, options?.resolve(sections[name])])) as ResolvedTargetOptions;
}

const searchPlaces = [
  "package.json",
  ".regfencerc",
  ".regfencerc.json",
  ".regfencerc.yaml",
  ".regfencerc.yml",
  ".regfencerc.js",
  ".regfencerc.mjs",
  ".regfencerc.ts",
  "regfence.config.ts",
  "regfence.config.mjs",
  "regfence.config.js",
  "regfence.config.json",
  "regfence.config.yaml",
  "regfence.config.yml",
];

/**
 * A `.ts` config is bundled with esbuild (so it may import `defineConfig` from "regfence" and
 * other local modules), then imported; cosmiconfig's own TypeScript loader needs the JavaScript
 * compiler API, which TypeScript 7 no longer ships.
 */
const loadTypeScript: Loader = async (file) => {
  const directory = await mkdtemp(path.join(tmpdir(), "regfence-config-"));
  try {
    const result = await build({
      entryPoints: [file],
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      write: false,
      logLevel: "silent",
      plugins: [dslPlugin],
      banner: requireShim,
    });
    const output = path.join(directory, "config.mjs");
    await writeFile(output, result.outputFiles[0]?.contents ?? "");
    const module = (await importModule(pathToFileURL(output).href)) as { default?: unknown };
    return module.default;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
};

/** JavaScript configs through regfence's own `import()` (see import-module.ts), whatever their module type. */
const loadJavaScript: Loader = async (file) => ((await importModule(pathToFileURL(file).href)) as { default?: unknown }).default;

/** Finds and validates the config: `--config FILE`, or a search of the working directory. */
export async function loadConfig(cwd: string, explicitFile: string | undefined): Promise<ResolvedConfig> {
  const explorer = cosmiconfig("regfence", { searchPlaces, searchStrategy: "none", loaders: { ".ts": loadTypeScript, ".js": loadJavaScript, ".mjs": loadJavaScript, ".cjs": loadJavaScript } });
  let found: { config: unknown; filepath: string; isEmpty?: boolean } | null;
  try {
    found = explicitFile === undefined ? await explorer.search(cwd) : await explorer.load(path.resolve(cwd, explicitFile));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && explicitFile !== undefined) throw new FatalError("config", `config file not found: ${explicitFile}`);
    // Name the file that failed: the one asked for, else the first the search would read.
    const failed = explicitFile ?? searchPlaces.find((place) => existsSync(path.join(cwd, place)));
    const named = failed === undefined ? "the config" : path.relative(cwd, path.resolve(cwd, failed)) || failed;
    const message = error instanceof Error ? error.message : String(error);
    throw new FatalError("config", `cannot load ${named}: ${message}`);
  }
  const file = found?.filepath;
  const parsed = configSchema.safeParse(found === null || found.isEmpty === true ? {} : found.config);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = issue.path.map(String).join(".");
      return `  ${key === "" ? "(top level)" : key}: ${issue.message}`;
    });
    throw new FatalError("config", `invalid config in ${path.relative(cwd, file ?? cwd) || file}:\n${problems.join("\n")}`);
  }
  const config = parsed.data;
  const baseDirectory = file === undefined ? cwd : path.dirname(file);
  const templates = config.templates === undefined ? undefined : path.resolve(baseDirectory, config.templates);
  if (templates !== undefined) {
    const problem = await templateOverrideProblem(templates);
    if (problem !== undefined) throw new FatalError("config", `invalid config in ${path.relative(cwd, file ?? cwd) || file}:\n  templates: ${problem}`);
  }
  return {
    file,
    baseDirectory,
    policies: config.policies === undefined ? ["policies/**/*.policy.ts"] : typeof config.policies === "string" ? [config.policies] : config.policies,
    outDir: path.resolve(baseDirectory, config.outDir ?? "out"),
    targets: config.targets,
    templates,
    typeCheck: config.typeCheck ?? true,
    targetOptions: resolveTargetOptions(config),
  };
}
