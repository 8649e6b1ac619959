import { spawnSync } from "node:child_process";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { planOutput } from "../../src/output/plan-output.ts";
import { writeOutput } from "../../src/output/write-output.ts";
import type { Artifact } from "../../src/output/artifact.ts";
import { readTree } from "../helpers/tree.ts";

const artifact = (file: string, content: string): Artifact => ({ path: file, content, format: "text" });

/** An immutable file cannot be moved even by root: the one reliable way to fail a rename mid-run. */
const canPin = spawnSync("chattr", ["--help"]).error === undefined && process.platform === "linux";
const pinned: string[] = [];

afterEach(async () => {
  for (const file of pinned.splice(0)) spawnSync("chattr", ["-i", file]);
});

describe("writeOutput", () => {
  it("writes a new out dir whole and moves it in at once; a failure leaves nothing there, nor a staging dir", async () => {
    const parent = await mkdtemp(path.join(tmpdir(), "regfence-write-"));
    const out = path.join(parent, "out");
    await writeOutput(await planOutput(out, [artifact("ovh/a.json", "a\n"), artifact("azure/b.sh", "b\n")], ["ovh", "azure"]));
    expect(Object.fromEntries([...(await readTree(out))].map(([file, bytes]) => [file, bytes.toString()]))).toEqual({ "azure/b.sh": "b\n", "ovh/a.json": "a\n" });
    const failing = path.join(parent, "failing");
    // "x" is a file and a directory at once: the second write fails.
    const plan = await planOutput(failing, [artifact("x", "file\n"), artifact("x/y", "under a file\n")], ["x"]);
    await expect(writeOutput(plan)).rejects.toThrow(/could not write .*failing, which is left as it was/);
    expect((await readTree(parent)).size).toBe(2);
    expect([...(await readTree(parent)).keys()].sort()).toEqual(["out/azure/b.sh", "out/ovh/a.json"]);
    await rm(parent, { recursive: true, force: true });
  });

  it("writes new and changed files, removes extra ones and the directories they leave empty", async () => {
    const out = await mkdtemp(path.join(tmpdir(), "regfence-write-"));
    await mkdir(path.join(out, "ovh/gone"), { recursive: true });
    await writeFile(path.join(out, "ovh/gone/plan.json"), "old\n");
    await writeFile(path.join(out, "ovh/kept.json"), "before\n");
    const plan = await planOutput(out, [artifact("ovh/kept.json", "after\n"), artifact("ovh/new/a.json", "a\n")], ["ovh"]);
    expect(plan.extra).toEqual(["ovh/gone/plan.json"]);
    await writeOutput(plan);
    const tree = await readTree(out);
    expect(Object.fromEntries([...tree].map(([file, bytes]) => [file, bytes.toString()]))).toEqual({ "ovh/kept.json": "after\n", "ovh/new/a.json": "a\n" });
    await rm(out, { recursive: true, force: true });
  });

  it.skipIf(!canPin)("undoes the files it already moved when a later move fails", async () => {
    const out = await mkdtemp(path.join(tmpdir(), "regfence-write-"));
    await mkdir(path.join(out, "ovh"), { recursive: true });
    await writeFile(path.join(out, "ovh/a.json"), "a before\n");
    await writeFile(path.join(out, "ovh/z-extra.json"), "stays\n");
    spawnSync("chattr", ["+i", path.join(out, "ovh/z-extra.json")]);
    pinned.push(path.join(out, "ovh/z-extra.json"));
    const before = await readTree(out);
    const plan = await planOutput(out, [artifact("ovh/a.json", "a after\n"), artifact("ovh/b.json", "b new\n")], ["ovh"]);
    await expect(writeOutput(plan)).rejects.toThrow(/which is left as it was/);
    expect(await readTree(out)).toEqual(before);
    spawnSync("chattr", ["-i", path.join(out, "ovh/z-extra.json")]);
    await rm(out, { recursive: true, force: true });
  });
});
