import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The installed package's root directory (where package.json, dist/ and templates/ are). Every
 * path into the package is made from it, so the code finds its files the same way whether it runs
 * as dist/'s modules or as the one-file CLI bundle in dist/ (this module's URL is one level below
 * the root in both).
 */
export const packageRoot = fileURLToPath(new URL("..", import.meta.url));

/** `require` relative to the package, for its CommonJS and native dependencies. */
export const packageRequire = createRequire(path.join(packageRoot, "package.json"));

/** An absolute path inside the package. */
export function packagePath(...parts: string[]): string {
  return path.join(packageRoot, ...parts);
}
