import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Tests run the CLI and the loader from dist/ (as users do): a dist/ older than what it is built
 * from would test yesterday's regfence. Before any test, dist/ is rebuilt when a source, template
 * or build script is newer than it (`npm test` builds first, so there it is a few stats).
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const inputs = ["src", "templates", "tools", "package.json", "tsconfig.build.json", "tsconfig.base.json"];
const outputs = ["dist/regfence.cjs", "dist/precompiled-templates.cjs", "dist/index.d.ts"];

function newest(entry: string): number {
  const info = statSync(entry);
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(entry, { recursive: true, withFileTypes: true })
    .filter((item) => item.isFile())
    .reduce((latest, item) => Math.max(latest, statSync(path.join(item.parentPath, item.name)).mtimeMs), info.mtimeMs);
}

function oldest(files: readonly string[]): number {
  return Math.min(...files.map((file) => statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0));
}

export default function ensureFreshBuild(): void {
  const source = Math.max(...inputs.map((entry) => newest(path.join(root, entry))));
  if (oldest(outputs.map((file) => path.join(root, file))) >= source) return;
  process.stderr.write("dist/ is older than src/ (or missing): running npm run build before the tests\n");
  execFileSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
}
