import { FatalError } from "../diagnostics/fatal-error.js";
import type { TargetName } from "../targets/all-targets.js";
import { targetNames } from "../targets/all-targets.js";

export type OutputFormat = "pretty" | "json" | "github";

export function parseFormat(value: string | undefined): OutputFormat {
  if (value === undefined) return "pretty";
  if (value === "pretty" || value === "json" || value === "github") return value;
  throw new FatalError("usage", `unknown --format "${value}": use pretty, json or github`);
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
