import { chmod, mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import pLimit from "p-limit";
import type { Artifact } from "../targets/target.js";
import type { OutputPlan } from "./plan-output.js";

/** File operations in flight at once: enough to hide I/O latency, few enough for any ulimit. */
const concurrency = 32;

/**
 * Applies a plan. Every new or changed file is first written to a staging directory inside the
 * out dir; only when all of them are staged are they renamed into place and extra files removed.
 * A failure while staging leaves the out dir as it was (and creates none where there was none).
 */
export async function writeOutput(plan: OutputPlan): Promise<void> {
  const pending = plan.files.filter((file) => file.status !== "unchanged").map(({ artifact }) => artifact);
  const limit = pLimit(concurrency);
  if (pending.length > 0 || plan.extra.length > 0) {
    const existedBefore = await directoryExists(plan.outDir);
    const staging = path.join(plan.outDir, `.regfence-staging-${process.pid}`);
    try {
      await makeDirectories(staging, pending);
      await Promise.all(pending.map((artifact) => limit(() => writeFile(path.join(staging, artifact.path), artifact.content, { mode: modeOf(artifact) }))));
    } catch (error) {
      await rm(existedBefore ? staging : plan.outDir, { recursive: true, force: true });
      throw error;
    }
    await makeDirectories(plan.outDir, pending);
    await Promise.all(pending.map((artifact) => limit(() => rename(path.join(staging, artifact.path), path.join(plan.outDir, artifact.path)))));
    await rm(staging, { recursive: true, force: true });
    await Promise.all(plan.extra.map((extra) => limit(() => rm(path.join(plan.outDir, extra), { force: true }))));
  }
  await enforceModes(plan);
}

/** Each directory the artifacts need, created once rather than once per file. */
async function makeDirectories(root: string, artifacts: readonly Artifact[]): Promise<void> {
  const directories = new Set(artifacts.map((artifact) => path.dirname(path.join(root, artifact.path))));
  for (const directory of [...directories].sort()) await mkdir(directory, { recursive: true });
}

/**
 * Secret files stay 0600 and scripts 0755 even when an earlier run, a checkout or the umask left
 * them otherwise, and directories holding secrets are 0700, so other users cannot even list which
 * credentials exist. Plain files keep the mode they were created with.
 */
async function enforceModes(plan: OutputPlan): Promise<void> {
  for (const { artifact } of plan.files) {
    if (artifact.secret !== true && artifact.executable !== true) continue;
    const file = path.join(plan.outDir, artifact.path);
    await chmod(file, modeOf(artifact));
    if (artifact.secret === true) await chmod(path.dirname(file), 0o700);
  }
}

function modeOf(artifact: Artifact): number {
  return artifact.secret === true ? 0o600 : artifact.executable === true ? 0o755 : 0o644;
}

async function directoryExists(directory: string): Promise<boolean> {
  return stat(directory).then(
    (info) => info.isDirectory(),
    () => false,
  );
}
