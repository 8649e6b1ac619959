// Runs one benchmarked child process: wall time with performance.now() around spawnSync, peak RSS
// from bench/report-rss.cjs (preloaded with --require, so every row, the floor included, carries
// the same preload).

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const reportRss = fileURLToPath(new URL("./report-rss.cjs", import.meta.url));
const rssDirectory = mkdtempSync(path.join(tmpdir(), "regfence-bench-rss-"));
let sequence = 0;

process.on("exit", () => rmSync(rssDirectory, { recursive: true, force: true }));

/**
 * Runs `node --require report-rss.cjs ...nodeArgs` in `cwd`.
 * @param {string[]} nodeArgs
 * @param {string} cwd
 * @returns {{ ms: number, rssKiB: number | undefined, status: number | null, signal: string | null, stdout: string, stderr: string, error: Error | undefined }}
 */
export function runChild(nodeArgs, cwd) {
  const rssFile = path.join(rssDirectory, `rss-${sequence++}`);
  const env = { ...process.env, REGFENCE_BENCH_RSS_FILE: rssFile };
  const start = performance.now();
  const result = spawnSync(process.execPath, ["--require", reportRss, ...nodeArgs], { cwd, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const ms = performance.now() - start;
  let rssKiB;
  try {
    rssKiB = Number.parseInt(readFileSync(rssFile, "utf8"), 10);
    rmSync(rssFile, { force: true });
  } catch {
    rssKiB = undefined;
  }
  return { ms, rssKiB, status: result.status, signal: result.signal, stdout: result.stdout ?? "", stderr: result.stderr ?? "", error: result.error };
}

/** @param {readonly number[]} values */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
