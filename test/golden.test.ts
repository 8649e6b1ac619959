/**
 * Golden tests: every directory under test/fixtures/ holding `*.policy.ts` files is a case, named
 * after the target it tests (`<target>-<case>`). Its policies are compiled for that target only
 * (from the case directory, as a user would) into a temp dir, and the whole tree must equal
 * `expected/` file by file: a missing, extra or different file fails.
 *
 *   UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts          # rewrite every case's expected/
 *   UPDATE_GOLDEN=ovh-seed,ovh-open npx vitest run test/golden.test.ts   # only these cases
 *
 * Other people's cases live here too: prefer naming the cases you mean to rewrite.
 */
import { cp, mkdir, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { removeProjects, runCli, tempDir } from "./helpers/run-cli.ts";
import { exists, readTextTree } from "./helpers/tree.ts";

afterAll(removeProjects);

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
const updateSetting = (process.env["UPDATE_GOLDEN"] ?? "").trim();
const updated = new Set(updateSetting.split(",").map((name) => name.trim()));
/** Whether this run rewrites the case's expected/ instead of comparing with it. */
const update = (name: string): boolean => updateSetting === "1" || updated.has(name);

const cases = (await readdir(fixtures, { withFileTypes: true }))
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const policyCases: string[] = [];
for (const name of cases) {
  const files = await readdir(path.join(fixtures, name));
  if (files.some((file) => file.endsWith(".policy.ts"))) policyCases.push(name);
}

describe("golden fixtures", { timeout: 240_000 }, () => {
  it("finds the cases", () => {
    expect(policyCases).toEqual(expect.arrayContaining(["ovh-normalisation", "ovh-open", "ovh-seed"]));
  });

  it.concurrent.for(policyCases)("%s compiles to exactly expected/", async (name, { expect }) => {
    const caseDir = path.join(fixtures, name);
    const expectedDir = path.join(caseDir, "expected");
    const out = await tempDir(`regfence-golden-${name}-`);
    // A case is named after the one target it tests (`ovh-seed`): only that target is compiled.
    const target = name.split("-")[0] ?? name;
    const result = await runCli(["compile", ".", "--out", out, "--target", target], { cwd: caseDir });
    expect(result.status, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0);
    expect(result.stderr).not.toMatch(/\berror\b/);
    const actual = await readTextTree(out);
    expect(Object.keys(actual).length, "the case emits no files at all").toBeGreaterThan(0);

    if (update(name)) {
      await rm(expectedDir, { recursive: true, force: true });
      await mkdir(expectedDir, { recursive: true });
      await cp(out, expectedDir, { recursive: true });
    }
    expect(await exists(expectedDir), `${name}/expected/ is missing (run with UPDATE_GOLDEN=1 to create it)`).toBe(true);
    const expected = await readTextTree(expectedDir);
    const missing = Object.keys(expected).filter((file) => !(file in actual));
    const extra = Object.keys(actual).filter((file) => !(file in expected));
    expect({ missing, extra }, "files compiled vs files in expected/").toEqual({ missing: [], extra: [] });
    for (const [file, content] of Object.entries(expected)) {
      expect(actual[file], `${name}/expected/${file}`).toBe(content);
    }
  });
});
