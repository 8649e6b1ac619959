/**
 * The one-file CLI and its V8 code cache (bin/regfence.js): a cache that does not fit is ignored
 * and rebuilt, and an install where no cache can be written runs the same. Each test runs a copy
 * of the built package, so the repository's own cache is never touched.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/run-cli.ts";

const copies: string[] = [];
afterAll(() => {
  for (const copy of copies) {
    spawnSync("chattr", ["-i", path.join(copy, "dist")]);
    rmSync(copy, { recursive: true, force: true });
  }
});

/** A copy of the installed package (bin, dist, templates, package.json; node_modules linked). */
function installedCopy(): string {
  const copy = mkdtempSync(path.join(tmpdir(), "regfence-install-"));
  copies.push(copy);
  for (const entry of ["bin", "templates", "package.json"]) cpSync(path.join(repoRoot, entry), path.join(copy, entry), { recursive: true });
  cpSync(path.join(repoRoot, "dist"), path.join(copy, "dist"), { recursive: true, filter: (source) => !source.endsWith(".cache") });
  symlinkSync(path.join(repoRoot, "node_modules"), path.join(copy, "node_modules"));
  return copy;
}

const caches = (copy: string) => readdirSync(path.join(copy, "dist")).filter((file) => file.endsWith(".cache"));

function run(copy: string, args: readonly string[]) {
  const result = spawnSync(process.execPath, [path.join(copy, "bin", "regfence.js"), ...args], { cwd: repoRoot, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("the CLI's code cache", { timeout: 120_000 }, () => {
  it("is written by the first run, used by the next, and a corrupt one is ignored and rebuilt with the same output", () => {
    const copy = installedCopy();
    const first = run(copy, ["compile", "--check"]);
    expect(first.status).toBe(0);
    expect(caches(copy)).toEqual([`regfence.cjs.${process.version}.cache`]);
    expect(run(copy, ["compile", "--check"])).toEqual(first);
    const cache = path.join(copy, "dist", `regfence.cjs.${process.version}.cache`);
    writeFileSync(cache, "not a V8 code cache");
    expect(run(copy, ["compile", "--check"])).toEqual(first);
    expect(spawnSync("head", ["-c", "19", cache], { encoding: "utf8" }).stdout).not.toBe("not a V8 code cache");
  });

  it.skipIf(spawnSync("chattr", ["--help"]).error !== undefined)("runs the same where no cache can be written (a read-only install)", () => {
    const copy = installedCopy();
    const writable = run(installedCopy(), ["compile", "--check"]);
    expect(spawnSync("chattr", ["+i", path.join(copy, "dist")]).status).toBe(0);
    expect(run(copy, ["compile", "--check"])).toEqual(writable);
    expect(caches(copy)).toEqual([]);
  });
});
