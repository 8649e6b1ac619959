#!/usr/bin/env node
// A missing or broken build is an internal error (exit 2), never a policy verdict (exit 1).
let main;
try {
  ({ main } = await import("../dist/cli/main.js"));
} catch (error) {
  process.stderr.write(`regfence: cannot load its build (run \`npm run build\`): ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
process.exitCode = await main(process.argv.slice(2), process.cwd());
