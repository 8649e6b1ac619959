import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { compareText } from "../diagnostics/diagnostic.js";
import type { Artifact } from "../output/artifact.js";

export type FileStatus = "new" | "changed" | "unchanged";

export interface PlannedFile {
  readonly artifact: Artifact;
  readonly status: FileStatus;
}

/** What a compile would do to the out dir, computed without touching it. */
export interface OutputPlan {
  readonly outDir: string;
  /** Sorted by path. */
  readonly files: readonly PlannedFile[];
  /** Files under the targets' roots that no artifact claims (left by a rename or removal). */
  readonly extra: readonly string[];
}

/** Compares artifacts with what is on disk, byte for byte. */
export async function planOutput(outDir: string, artifacts: readonly Artifact[], roots: readonly string[]): Promise<OutputPlan> {
  const files = await Promise.all(
    [...artifacts]
      .sort((a, b) => compareText(a.path, b.path))
      .map(async (artifact): Promise<PlannedFile> => {
        const existing = await readFile(path.join(outDir, artifact.path), "utf8").catch(() => undefined);
        return { artifact, status: existing === undefined ? "new" : existing === artifact.content ? "unchanged" : "changed" };
      }),
  );
  const claimed = new Set(artifacts.map((artifact) => artifact.path));
  const extra: string[] = [];
  for (const root of roots) {
    for (const file of await listFiles(path.join(outDir, root))) {
      const relative = path.posix.join(root, file);
      if (!claimed.has(relative)) extra.push(relative);
    }
  }
  return { outDir, files, extra: extra.sort(compareText) };
}

async function listFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(directory, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"));
}
