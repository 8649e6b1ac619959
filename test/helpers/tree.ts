import { readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";

/**
 * Every file under `dir` (recursively) as `/`-separated relative path → bytes, sorted by path;
 * an empty map when the directory does not exist.
 */
export async function readTree(dir: string, options: { readonly ignore?: (relative: string) => boolean } = {}): Promise<Map<string, Buffer>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  const files = entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
    .filter((relative) => options.ignore?.(relative) !== true)
    .sort();
  const tree = new Map<string, Buffer>();
  for (const file of files) tree.set(file, await readFile(path.join(dir, ...file.split("/"))));
  return tree;
}

/**
 * A tree as path → text, for readable `toEqual` diffs; still byte-exact, since a file whose bytes
 * are not valid UTF-8 is shown as base64 instead.
 */
export async function readTextTree(dir: string, options: { readonly ignore?: (relative: string) => boolean } = {}): Promise<Record<string, string>> {
  return Object.fromEntries([...(await readTree(dir, options))].map(([file, bytes]) => [file, asText(bytes)]));
}

function asText(bytes: Buffer): string {
  const text = bytes.toString("utf8");
  return Buffer.from(text, "utf8").equals(bytes) ? text : `base64:${bytes.toString("base64")}`;
}

export async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
