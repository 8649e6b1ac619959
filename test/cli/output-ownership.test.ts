import { writeFile } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { createProject, hasStackTrace, removeProjects } from "../helpers/run-cli.ts";
import { exists } from "../helpers/tree.ts";

afterAll(removeProjects);

const policy = `import { azureRegistry, definePolicy, network, ovhRegistry } from "regfence";
const office = network("office", [{ cidr: "198.51.100.0/24", description: "office" }]);
export default definePolicy({
  name: "office",
  registries: [
    ovhRegistry("mpr", { serviceName: "0123456789abcdef0123456789abcdef", registryId: "3f8e2d4c-9b1a-4c6e-8d2f-7a5b3c1e9f04", management: [office], registry: [office] }),
    azureRegistry("officeacr", { resourceGroup: "rg", networks: [office] }),
  ],
});
`;

describe("which files under out/ regfence owns", { timeout: 240_000 }, () => {
  it("annotates each stale file for GitHub with --check --format github", async () => {
    const project = await createProject({ "policies/office.policy.ts": policy });
    expect((await project.run(["compile"])).status).toBe(0);
    await writeFile(project.path("out/ovh/mpr/management.json"), "[]\n");
    const result = await project.run(["compile", "--check", "--format", "github"]);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain("::error file=out/ovh/mpr/management.json,title=regfence stale-output::out/ovh/mpr/management.json differs from what the policies compile to");
  });

  it("treats the files of a target the config drops as extra, but not those of targets left out with --target", async () => {
    const project = await createProject({ "policies/office.policy.ts": policy });
    expect((await project.run(["compile"])).status).toBe(0);
    expect(await exists(project.path("out/azure/officeacr.sh"))).toBe(true);
    expect((await project.run(["compile", "--target", "ovh", "--check"])).status).toBe(0);
    await project.write({ ".regfencerc.json": JSON.stringify({ targets: ["ovh"] }) });
    const check = await project.run(["compile", "--check"]);
    expect(check.status).toBe(1);
    expect(check.stdout).toContain("extra   out/azure/officeacr.sh");
    const compile = await project.run(["compile"]);
    expect(compile.stdout).toMatch(/azure +0 written, 0 unchanged, 2 removed/);
    expect(await exists(project.path("out/azure"))).toBe(false);
  });

  it("a compile of named files writes theirs and removes no other policy's files, in --check too (audit D1)", async () => {
    const other = policy.replace('name: "office"', 'name: "branch"').replace('"mpr"', '"mpr2"').replace('"officeacr"', '"branchacr"');
    const project = await createProject({ "policies/office.policy.ts": policy, "policies/branch.policy.ts": other });
    expect((await project.run(["compile"])).status).toBe(0);
    const single = await project.run(["compile", "policies/office.policy.ts"]);
    expect(single.status).toBe(0);
    expect(single.stdout).not.toContain("removed");
    expect(await exists(project.path("out/ovh/mpr2/management.json"))).toBe(true);
    expect(await exists(project.path("out/azure/branchacr.sh"))).toBe(true);
    expect((await project.run(["compile", "--check", "policies/office.policy.ts"])).status).toBe(0);
    // Naming every policy is a complete run again: a policy's dropped registry is extra.
    await project.write({ "policies/branch.policy.ts": other.replace(/\n    azureRegistry\("branchacr".*\n/, "\n") });
    const full = await project.run(["compile", "policies"]);
    expect(full.status).toBe(0);
    expect(await exists(project.path("out/azure/branchacr.sh"))).toBe(false);
  });

  it.each([
    ["a templates directory that does not exist", { templates: "missing" }, "templates: "],
    ["a template override that overrides nothing", { templates: "tpl" }, "overrides no bundled template"],
    ["an empty target list", { targets: [] }, "targets: list at least one target"],
  ])("refuses %s as a config error", async (_name, config, message) => {
    const project = await createProject({ "policies/office.policy.ts": policy, "tpl/ovh/ip-restriction.json.hbs": "{{json payload}}\n", ".regfencerc.json": JSON.stringify(config) });
    const result = await project.run(["validate"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("invalid config in .regfencerc.json");
    expect(result.stderr).toContain(message);
    expect(hasStackTrace(result.stderr)).toBe(false);
  });

  it("refuses --target with no target name", async () => {
    const project = await createProject({ "policies/office.policy.ts": policy });
    const result = await project.run(["compile", "--target", ","]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--target needs at least one target");
  });
});
