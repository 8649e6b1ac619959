#!/usr/bin/env node
// Loads the one-file CLI (dist/regfence.cjs) with a V8 code cache beside it: a warm start then
// skips parsing and compiling it. A cache that does not match (another build, another Node, a
// corrupt file) is rejected by V8 and rebuilt; a read-only install runs without one.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

// Help and the version need none of the CLI: answered from a module with no dependencies.
try {
  const { quickAnswer } = await import("../dist/cli/usage.js");
  const quick = quickAnswer(process.argv.slice(2));
  if (quick !== undefined) {
    process[quick.stream].write(quick.text);
    process.exit(quick.status);
  }
} catch (error) {
  process.stderr.write(`regfence: cannot load its build (run \`npm run build\`): ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}

const bundle = fileURLToPath(new URL("../dist/regfence.cjs", import.meta.url));
const cacheFile = `${bundle}.${process.version}.cache`;

// Scripts compiled from a code cache get no loader for import(): lend this module's.
globalThis[Symbol.for("regfence.import")] = (url) => import(url);

// A missing or broken build is an internal error (exit 2), never a policy verdict (exit 1).
let main;
let script;
let cached;
try {
  const source = readFileSync(bundle, "utf8");
  try {
    cached = readFileSync(cacheFile);
  } catch {
    cached = undefined;
  }
  script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData: cached,
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, fileURLToPath(new URL("../dist/", import.meta.url)));
  ({ main } = module.exports);
} catch (error) {
  process.stderr.write(`regfence: cannot load its build (run \`npm run build\`): ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
// `regfence explain … | head` closes the pipe early: that ends the output, it is not a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(process.exitCode ?? 0);
  });
}
process.exitCode = await main(process.argv.slice(2), process.cwd());
// After the run the cache also holds the functions it compiled lazily. Written aside, then moved,
// so a concurrent run never reads half a file; any failure (read-only install) is ignored.
if (cached === undefined || script.cachedDataRejected === true) {
  try {
    const partial = `${cacheFile}.${process.pid}`;
    writeFileSync(partial, script.createCachedData());
    renameSync(partial, cacheFile);
  } catch {
    // No cache: the next run compiles again, with the same output.
  }
}
