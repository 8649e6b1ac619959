import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TypeCheckCache } from "../../src/load/type-check-cache.ts";

/** The clean type-check verdict is reused only while nothing tsc read (nor the project's folders) changed. */
describe("TypeCheckCache", () => {
  let project = "";
  const file = () => path.join(project, "policies", "a.policy.ts");
  beforeAll(async () => {
    project = await mkdtemp(path.join(tmpdir(), "regfence-tscache-"));
    await mkdir(path.join(project, "node_modules"));
    await mkdir(path.join(project, "policies"));
    await writeFile(file(), "export default 1;\n");
  });
  afterAll(() => rm(project, { recursive: true, force: true }));

  it("remembers a clean check, and forgets it when a file read or a folder changes, or the project differs", async () => {
    const cache = new TypeCheckCache(project, "tsc\n{config}");
    expect(await cache.isClean()).toBe(false);
    await cache.rememberClean([file()]);
    expect(await cache.isClean()).toBe(true);
    expect(await new TypeCheckCache(project, "tsc\n{other config}").isClean()).toBe(false);

    await utimes(file(), new Date(), new Date(Date.now() + 5_000));
    expect(await cache.isClean()).toBe(false);
    await cache.rememberClean([file()]);
    expect(await cache.isClean()).toBe(true);

    // A new file beside the policies could change how imports resolve.
    await writeFile(path.join(project, "policies", "shared.ts"), "export {};\n");
    await utimes(path.join(project, "policies"), new Date(), new Date(Date.now() + 10_000));
    expect(await cache.isClean()).toBe(false);
  });

  it("keeps nothing where the project has no node_modules, and a corrupt cache is no verdict", async () => {
    const bare = await mkdtemp(path.join(tmpdir(), "regfence-tscache-bare-"));
    const cache = new TypeCheckCache(bare, "x");
    await cache.rememberClean([__filename]);
    expect(await cache.isClean()).toBe(false);
    await rm(bare, { recursive: true, force: true });
    const cached = new TypeCheckCache(project, "corrupt");
    await cached.rememberClean([file()]);
    const { readdir } = await import("node:fs/promises");
    const directory = path.join(project, "node_modules", ".cache", "regfence");
    for (const entry of await readdir(directory)) await writeFile(path.join(directory, entry), "{ not json");
    expect(await cached.isClean()).toBe(false);
  });
});
