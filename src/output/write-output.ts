import { chmod, mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { OutputPlan } from "./plan-output.js";

/**
 * Applies a plan. Every new or changed file is first written to a staging directory inside the
 * out dir; only when all of them are staged are they renamed into place and extra files removed.
 * A failure while staging leaves the out dir as it was (and creates none where there was none).
 */
export async function writeOutput(plan: OutputPlan): Promise<void> {
  const pending = plan.files.filter((file) => file.status !== "unchanged");
  if (pending.length === 0 && plan.extra.length === 0) {
    await applyModes(plan);
    return;
  }
  const existedBefore = await directoryExists(plan.outDir);
  const staging = path.join(plan.outDir, `.regfence-staging-${process.pid}`);
  try {
    for (const { artifact } of pending) {
      const staged = path.join(staging, artifact.path);
      await mkdir(path.dirname(staged), { recursive: true });
      await writeFile(staged, artifact.content, { mode: modeOf(artifact) });
    }
  } catch (error) {
    await rm(existedBefore ? staging : plan.outDir, { recursive: true, force: true });
    throw error;
  }
  for (const { artifact } of pending) {
    const target = path.join(plan.outDir, artifact.path);
    await mkdir(path.dirname(target), { recursive: true });
    await rename(path.join(staging, artifact.path), target);
  }
  await rm(staging, { recursive: true, force: true });
  for (const extra of plan.extra) await rm(path.join(plan.outDir, extra), { force: true });
  await applyModes(plan);
}

/**
 * Secret files stay 0600 even when an earlier run or a checkout left them wider, and the
 * directories holding them 0700, so other users cannot even list which credentials exist.
 */
async function applyModes(plan: OutputPlan): Promise<void> {
  for (const { artifact } of plan.files) {
    const file = path.join(plan.outDir, artifact.path);
    await chmod(file, modeOf(artifact));
    if (artifact.secret === true) await chmod(path.dirname(file), 0o700);
  }
}

function modeOf(artifact: { secret?: boolean; executable?: boolean }): number {
  return artifact.secret === true ? 0o600 : artifact.executable === true ? 0o755 : 0o644;
}

async function directoryExists(directory: string): Promise<boolean> {
  return stat(directory).then(
    (info) => info.isDirectory(),
    () => false,
  );
}
