import { lstat, mkdir, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createProject, hasStackTrace, removeProjects } from "../helpers/run-cli.ts";
import { readTree } from "../helpers/tree.ts";

afterAll(removeProjects);

const policy = `import { definePolicy, network, ovhRegistry } from "regfence";
const office = network("office", [{ cidr: "198.51.100.0/24", description: "office" }]);
export default definePolicy({
  name: "office",
  registries: [ovhRegistry("mpr", { serviceName: "0123456789abcdef0123456789abcdef", registryId: "3f8e2d4c-9b1a-4c6e-8d2f-7a5b3c1e9f04", management: [office], registry: [office] })],
});
`;

/** Every path under a directory with its bytes, directories included, to compare a whole tree. */
async function snapshot(directory: string): Promise<Record<string, string>> {
  const files = await readTree(directory);
  return Object.fromEntries([...files].map(([file, bytes]) => [file, bytes.toString("base64")]));
}

describe("compile when the out dir cannot be written", { timeout: 240_000 }, () => {
  it("refuses an out path that is a file, and leaves that file alone", async () => {
    const project = await createProject({ "policies/office.policy.ts": policy, "notes.txt": "keep me\n" });
    const result = await project.run(["compile", "--out", "notes.txt"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("cannot write to");
    expect(result.stderr).toContain("notes.txt: it is not a directory");
    expect(hasStackTrace(result.stderr)).toBe(false);
    expect(await readFile(project.path("notes.txt"), "utf8")).toBe("keep me\n");
  });

  it("undoes every change when a write fails half-way, leaving the out dir byte for byte as it was", async () => {
    const project = await createProject({ "policies/office.policy.ts": policy });
    expect((await project.run(["compile"])).status).toBe(0);
    const out = path.join(project.dir, "out");
    // A changed file regfence will replace, and a file where it needs a directory.
    await writeFile(path.join(out, "ovh/mpr/management.json"), "edited by hand\n");
    await rm(path.join(out, "ovh/mpr/registry.json"));
    await mkdir(path.join(out, "ovh/other"), { recursive: true });
    await writeFile(path.join(out, "ovh/other/stale.json"), "[]\n");
    await rm(path.join(out, "ovh/mpr"), { recursive: true });
    await writeFile(path.join(out, "ovh/mpr"), "a file where a directory belongs\n");
    const before = await snapshot(out);
    const result = await project.run(["compile"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("which is left as it was");
    expect(hasStackTrace(result.stderr)).toBe(false);
    expect(await snapshot(out)).toEqual(before);
  });

  it("never removes or replaces a symlinked out dir whose target is missing (audit D4)", async () => {
    const project = await createProject({ "policies/office.policy.ts": policy });
    await symlink(project.path("elsewhere"), project.path("out"));
    const result = await project.run(["compile"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("it is a symbolic link to a directory that does not exist");
    expect((await lstat(project.path("out"))).isSymbolicLink()).toBe(true);
    expect(await readlink(project.path("out"))).toBe(project.path("elsewhere"));
  });

  it("writes through a symlinked out dir and keeps the link", async () => {
    const project = await createProject({ "policies/office.policy.ts": policy });
    await mkdir(project.path("elsewhere"));
    await symlink(project.path("elsewhere"), project.path("out"));
    expect((await project.run(["compile"])).status).toBe(0);
    expect((await lstat(project.path("out"))).isSymbolicLink()).toBe(true);
    expect(await readFile(project.path("elsewhere/ovh/mpr/management.json"), "utf8")).toContain("198.51.100.0/24");
  });

  // Node's recursive mkdir spins forever there: a regression shows as this test's timeout.
  it("fails with exit 2 when the out dir cannot be created under /proc (audit D8)", async (context) => {
    if (process.platform !== "linux") context.skip();
    const project = await createProject({ "policies/office.policy.ts": policy });
    const result = await project.run(["compile", "--out", "/proc/regfence-out/x"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("could not write /proc/regfence-out/x");
  });

  it("creates nothing when the out dir cannot be made", async () => {
    const project = await createProject({ "policies/office.policy.ts": policy, "blocked/ovh": "a file where a directory belongs\n" });
    const before = await snapshot(project.path("blocked"));
    const result = await project.run(["compile", "--out", "blocked/ovh/out"]);
    expect(result.status).toBe(2);
    expect(hasStackTrace(result.stderr)).toBe(false);
    expect(await snapshot(project.path("blocked"))).toEqual(before);
  });
});
