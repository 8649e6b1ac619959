import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * A clean type-check is remembered: the files tsc read (`--listFiles`: the policies, the modules
 * they import, regfence's declarations, Node's types, TypeScript's libs) and the directories of
 * the project's own files, each with its size and modification time. While none of them changed,
 * the same check of the same project is clean again without running tsc, as make and tsc's own
 * incremental builds judge it. Only a clean verdict is kept: errors are always checked anew.
 * The cache lives in the project's `node_modules/.cache/regfence/`, and only where the project
 * has a node_modules; failing to read or write it changes nothing but the time taken.
 */
export class TypeCheckCache {
  readonly #file: string | undefined;

  /** `project` is everything that decides the check (the tsconfig tsc is given, tsc's path). */
  constructor(cwd: string, project: string) {
    const modules = path.join(cwd, "node_modules");
    this.#file = existsSync(modules) ? path.join(modules, ".cache", "regfence", `typecheck-${createHash("sha256").update(project).digest("hex").slice(0, 32)}.json`) : undefined;
  }

  /** Whether a clean verdict is remembered for files that have not changed since. */
  async isClean(): Promise<boolean> {
    if (this.#file === undefined) return false;
    try {
      const recorded = JSON.parse(await readFile(this.#file, "utf8")) as { readonly inputs: readonly [string, number, number][] };
      const current = await Promise.all(recorded.inputs.map(([file]) => fingerprint(file)));
      return recorded.inputs.length > 0 && recorded.inputs.every(([, size, modified], index) => current[index]?.[1] === size && current[index]?.[2] === modified);
    } catch {
      return false;
    }
  }

  /** Remembers a clean check of these files (absolute paths, as `--listFiles` printed them). */
  async rememberClean(files: readonly string[]): Promise<void> {
    if (this.#file === undefined || files.length === 0) return;
    try {
      const directories = [...new Set(files.filter((file) => !file.includes(`${path.sep}node_modules${path.sep}`)).map((file) => path.dirname(file)))];
      const inputs = await Promise.all([...files, ...directories].map(fingerprint));
      await mkdir(path.dirname(this.#file), { recursive: true });
      const partial = `${this.#file}.${process.pid}`;
      await writeFile(partial, JSON.stringify({ inputs }));
      await rename(partial, this.#file);
    } catch {
      // No cache: the next run checks again.
    }
  }
}

async function fingerprint(file: string): Promise<[string, number, number]> {
  const info = await stat(file);
  return [file, info.size, info.mtimeMs];
}
