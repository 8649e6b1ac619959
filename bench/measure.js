// Runs one benchmarked child process and measures it from outside: wall time, the peak resident
// memory of its main Node process (bench/report-rss.cjs, preloaded with --require, reports
// getrusage's ru_maxrss at exit), and, by sampling /proc every few milliseconds, the peak of the
// whole process tree (regfence plus the tsc and esbuild it starts) and of its largest process.

import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const reportRss = fileURLToPath(new URL("./report-rss.cjs", import.meta.url));
const rssDirectory = mkdtempSync(path.join(tmpdir(), "regfence-bench-rss-"));
let sequence = 0;

process.on("exit", () => rmSync(rssDirectory, { recursive: true, force: true }));

/** Each process's parent and resident KiB, from /proc (empty where /proc is not there). */
function processTable() {
  const table = new Map();
  let entries;
  try {
    entries = readdirSync("/proc");
  } catch {
    return table;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      const parent = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
      const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
      table.set(Number(entry), { parent, rss });
    } catch {
      // Gone between the listing and the read.
    }
  }
  return table;
}

/** Resident KiB of `root` and its descendants: their sum and the largest one. */
function treeRss(root) {
  const table = processTable();
  const children = new Map();
  for (const [pid, { parent }] of table) children.set(parent, [...(children.get(parent) ?? []), pid]);
  let sum = 0;
  let largest = 0;
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop();
    const rss = table.get(pid)?.rss ?? 0;
    sum += rss;
    largest = Math.max(largest, rss);
    pending.push(...(children.get(pid) ?? []));
  }
  return { sum, largest };
}

/**
 * Runs `node --require report-rss.cjs ...nodeArgs` in `cwd`.
 * @param {string[]} nodeArgs
 * @param {string} cwd
 * @returns {Promise<{ ms: number, rssKiB: number | undefined, treeKiB: number, largestKiB: number, status: number | null, signal: string | null, stdout: string, stderr: string, error: Error | undefined }>}
 */
export function runChild(nodeArgs, cwd) {
  const rssFile = path.join(rssDirectory, `rss-${sequence++}`);
  const env = { ...process.env, REGFENCE_BENCH_RSS_FILE: rssFile };
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn(process.execPath, ["--require", reportRss, ...nodeArgs], { cwd, env });
    const stdout = [];
    const stderr = [];
    child.stdout.on("data", (chunk) => stdout.push(chunk));
    child.stderr.on("data", (chunk) => stderr.push(chunk));
    let treeKiB = 0;
    let largestKiB = 0;
    const sample = () => {
      const { sum, largest } = treeRss(child.pid);
      treeKiB = Math.max(treeKiB, sum);
      largestKiB = Math.max(largestKiB, largest);
    };
    const sampler = setInterval(sample, 5);
    let error;
    child.on("error", (failure) => {
      error = failure;
    });
    child.on("close", (status, signal) => {
      const ms = performance.now() - start;
      clearInterval(sampler);
      let rssKiB;
      try {
        rssKiB = Number.parseInt(readFileSync(rssFile, "utf8"), 10);
        rmSync(rssFile, { force: true });
      } catch {
        rssKiB = undefined;
      }
      // The main process's exact peak bounds the sampled figures from below.
      resolve({ ms, rssKiB, treeKiB: Math.max(treeKiB, rssKiB ?? 0), largestKiB: Math.max(largestKiB, rssKiB ?? 0), status, signal, stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8"), error });
    });
  });
}

/** @param {readonly number[]} values */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
