#!/usr/bin/env node
// A missing or broken build is an internal error (exit 2), never a policy verdict (exit 1).
let main;
try {
  ({ main } = await import("../dist/cli/main.js"));
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
