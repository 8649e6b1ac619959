import { stat } from "node:fs/promises";
import path from "node:path";
import { glob } from "tinyglobby";
import { FatalError } from "../diagnostics/fatal-error.js";

/** The suffix that marks a policy file inside a directory given on the command line. */
const policyGlob = "**/*.policy.ts";

/**
 * The policy files to load, absolute and sorted: the files and directories named on the command
 * line, or else the config's globs (relative to the config's directory).
 */
export async function discoverPolicies(args: readonly string[], globs: readonly string[], baseDirectory: string, cwd: string): Promise<string[]> {
  const found = new Set<string>();
  if (args.length > 0) {
    for (const arg of args) {
      const absolute = path.resolve(cwd, arg);
      const info = await stat(absolute).catch(() => undefined);
      if (info === undefined) throw new FatalError("usage", `no such file or directory: ${arg}`);
      if (info.isDirectory()) {
        for (const file of await glob(policyGlob, { cwd: absolute, absolute: true, ignore: ["**/node_modules/**"] })) found.add(path.normalize(file));
      } else {
        found.add(absolute);
      }
    }
  } else {
    for (const file of await glob([...globs], { cwd: baseDirectory, absolute: true, ignore: ["**/node_modules/**"] })) found.add(path.normalize(file));
  }
  return [...found].sort();
}
