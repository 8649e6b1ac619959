import { createRequire } from "node:module";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import Handlebars from "handlebars";
import { describe, expect, it } from "vitest";
import { compileOptions, templateKey } from "../../src/render/template-renderer.ts";
import { repoRoot } from "../helpers/run-cli.ts";

/** `npm run build` precompiles the bundled templates (tools/precompile-templates.mjs). */
describe("precompiled templates", () => {
  const specs = createRequire(import.meta.url)(path.join(repoRoot, "dist", "precompiled-templates.cjs")) as Record<string, unknown>;
  const templates = readdirSync(path.join(repoRoot, "templates"), { recursive: true })
    .map(String)
    .filter((file) => file.endsWith(".hbs"));

  it("hold every bundled template as it is now, and nothing else", () => {
    const keys = templates.map((file) => templateKey(readFileSync(path.join(repoRoot, "templates", file), "utf8")));
    expect(Object.keys(specs).sort()).toEqual([...new Set(keys)].sort());
  });

  it("behave as runtime-compiled ones, strictness included", () => {
    const source = readFileSync(path.join(repoRoot, "templates", "ovh", "plan.json.hbs"), "utf8");
    const precompiled = Handlebars.template(specs[templateKey(source)] as never);
    const compiled = Handlebars.compile(source, compileOptions);
    expect(() => precompiled({})).toThrow();
    expect(() => compiled({})).toThrow();
  });
});
