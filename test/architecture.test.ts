/**
 * The layers of src/, each importing only layers below it: no cycle, no upward import. A new
 * folder must be placed in this order before anything may import it.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./helpers/run-cli.ts";

const layers = ["package-root.ts", "diagnostics", "dsl", "ir", "output", "render", "load", "targets", "config", "pipeline", "cli", "index.ts"];

const src = path.join(repoRoot, "src");
const layerOf = (file: string) => path.relative(src, file).split(path.sep)[0] ?? "";

describe("the layers of src/", () => {
  it("import only layers below them", () => {
    const upward: string[] = [];
    for (const relative of readdirSync(src, { recursive: true }).map(String).filter((file) => file.endsWith(".ts"))) {
      const file = path.join(src, relative);
      const layer = layerOf(file);
      expect(layers, `src/${relative} is in no known layer`).toContain(layer);
      for (const [, specifier = ""] of readFileSync(file, "utf8").matchAll(/from "(\.[^"]+)"/g)) {
        const imported = layerOf(path.resolve(path.dirname(file), specifier.replace(/\.js$/, ".ts")));
        if (imported !== layer && layers.indexOf(imported) > layers.indexOf(layer)) upward.push(`src/${relative} imports ${specifier} (${layer} -> ${imported})`);
      }
    }
    expect(upward).toEqual([]);
  });
});
