// Preloaded into each benchmarked process (`node --require bench/report-rss.cjs …`): when the
// process exits, writes its peak resident set size (KiB, getrusage ru_maxrss) to the file named by
// REGFENCE_BENCH_RSS_FILE. Only this Node process is counted, not the processes it spawns.
"use strict";

const { writeFileSync } = require("node:fs");

const file = process.env.REGFENCE_BENCH_RSS_FILE;
if (file) {
  process.on("exit", () => {
    try {
      writeFileSync(file, `${process.resourceUsage().maxRSS}\n`);
    } catch {
      // The bench reports a missing figure; never change how the measured process ends.
    }
  });
}
