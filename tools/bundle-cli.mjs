// Builds dist/regfence.cjs: the whole CLI (regfence's modules and its pure-JS dependencies) as one
// CommonJS file, which bin/regfence.js compiles with a V8 code cache. One file instead of ~350
// modules, and no parsing on a warm start, is most of regfence's start-up time. Native and
// binary-shipping packages (esbuild, oxc-parser, typescript's tsc) stay external, and so does
// ts-morph, which only `regfence import` loads.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

await build({
  absWorkingDir: root,
  entryPoints: ["dist/cli/main.js"],
  outfile: "dist/regfence.cjs",
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  external: ["esbuild", "oxc-parser", "typescript", "@typescript/*", "ts-morph"],
  // The bundle sits in dist/, as dist/package-root.js does: the same URL finds the package root.
  define: { "import.meta.url": "__regfenceBundleUrl" },
  banner: { js: 'const __regfenceBundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  legalComments: "none",
  logLevel: "warning",
});
