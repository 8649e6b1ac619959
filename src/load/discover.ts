import { existsSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { glob } from "tinyglobby";
import { FatalError } from "../diagnostics/fatal-error.js";

/** The suffix that marks a policy file inside a directory given on the command line. */
const policyGlob = "**/*.policy.ts";

/** Policy tests kept in a file of their own: `<name>.policy.test.ts` beside `<name>.policy.ts`. */
const testSuffix = ".policy.test.ts";

/**
 * The policy files to load, absolute and sorted: the files and directories named on the command
 * line, or else the config's globs (relative to the config's directory). A test file is never a
 * policy: named on the command line it stands for the policy beside it, found by a glob it is left
 * to {@link testFilesBeside}.
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
      } else if (absolute.endsWith(testSuffix)) {
        const policy = `${absolute.slice(0, -testSuffix.length)}.policy.ts`;
        if (!existsSync(policy)) throw new FatalError("usage", `${arg} tests the policy beside it, and there is no ${path.basename(policy)}`);
        found.add(policy);
      } else {
        found.add(absolute);
      }
    }
  } else {
    for (const file of await glob([...globs], { cwd: baseDirectory, absolute: true, ignore: ["**/node_modules/**"] })) found.add(path.normalize(file));
  }
  return [...found].filter((file) => !file.endsWith(testSuffix)).sort();
}

/** The `.policy.test.ts` files beside these policy files (absolute), each folder read once. */
export async function testFilesBeside(policyFiles: readonly string[]): Promise<string[]> {
  const wanted = new Set(policyFiles.filter((file) => file.endsWith(".policy.ts")).map((file) => `${file.slice(0, -".policy.ts".length)}${testSuffix}`));
  if (wanted.size === 0) return [];
  const directories = [...new Set([...wanted].map((file) => path.dirname(file)))];
  const listed = await Promise.all(directories.map(async (directory) => (await readdir(directory).catch(() => [])).map((name) => path.join(directory, name))));
  return listed.flat().filter((file) => wanted.has(file)).sort();
}
