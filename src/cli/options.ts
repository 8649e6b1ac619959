import { stat } from "node:fs/promises";
import path from "node:path";
import { FatalError } from "../diagnostics/fatal-error.js";
import { relativeToCwd } from "../load/paths.js";
import type { TargetName } from "../targets/all-targets.js";
import { targetNames } from "../targets/all-targets.js";

export type OutputFormat = "pretty" | "json" | "github";

/**
 * `--format`: one of the formats a command prints (the first is its default); by default those
 * of the commands that report diagnostics.
 */
export function parseFormat(value: string | undefined): OutputFormat;
export function parseFormat<const Format extends string>(value: string | undefined, formats: readonly [Format, ...Format[]]): Format;
export function parseFormat(value: string | undefined, formats: readonly [string, ...string[]] = ["pretty", "json", "github"]): string {
  if (value === undefined) return formats[0];
  if (formats.includes(value)) return value;
  const named = formats.length === 1 ? formats[0] : `${formats.slice(0, -1).join(", ")} or ${formats.at(-1) ?? ""}`;
  throw new FatalError("usage", `unknown --format "${value}": use ${named}`);
}

/**
 * `--from DIR` of the commands that read saved state: a directory that exists (a typo must not
 * read as "no saved state" for every target), and how it is printed.
 */
export async function savedStateDirectory(written: string, cwd: string): Promise<{ readonly dir: string; readonly shown: string }> {
  const dir = path.resolve(cwd, written);
  const found = await stat(dir).catch(() => undefined);
  if (found?.isDirectory() !== true) throw new FatalError("usage", `--from ${relativeToCwd(dir, cwd)}: no such directory`);
  return { dir, shown: relativeToCwd(dir, cwd) };
}

/** `--target ovh,azure` (or repeated); undefined when not given. */
export function parseTargets(values: readonly string[] | undefined): TargetName[] | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const names = values.flatMap((value) => value.split(",")).map((name) => name.trim()).filter((name) => name !== "");
  if (names.length === 0) throw new FatalError("usage", `--target needs at least one target: ${targetNames.join(", ")}`);
  for (const name of names) {
    if (!(targetNames as readonly string[]).includes(name)) {
      throw new FatalError("usage", `unknown target "${name}": targets are ${targetNames.join(", ")}`);
    }
  }
  return [...new Set(names)] as TargetName[];
}

/** "1 policy", "4 policies". */
export function policies(count: number): string {
  return `${count} ${count === 1 ? "policy" : "policies"}`;
}

/** The options every command that loads policies takes (for node:util `parseArgs`). */
export const policyCommandOptions = {
  config: { type: "string" },
  "no-typecheck": { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;
