/**
 * `regfence diff --base` on a real git repository with two commits: what the change opens or
 * closes, as Markdown for a pull-request comment and as JSON, and the refusals (exit 2).
 */
import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProject, removeProjects, type TempProject } from "../helpers/run-cli.ts";

afterAll(removeProjects);

const policy = (office: string, upstreams: string, allow: string) => `import { azureRegistry, credential, definePolicy, fromEnv, harborProxyCache, network } from "regfence";

const office = network("office", [${office}]);

export default definePolicy({
  name: "platform",
  proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: [${upstreams}] }),
  admission: { mode: "Enforce", allow: [${allow}] },
  registries: [azureRegistry("myContainerRegistry", { resourceGroup: "rg", networks: [office] })],
  credentials: [credential("harbor-pull", { server: "harbor.myco.com", username: fromEnv("PULL_USER"), password: fromEnv("PULL_TOKEN_SECRET_VALUE") })],
});
`;

function git(project: TempProject, ...args: string[]): void {
  const result = spawnSync("git", ["-c", "user.name=regfence", "-c", "user.email=regfence@example.com", "-c", "commit.gpgsign=false", ...args], { cwd: project.dir, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
}

let project: TempProject;
beforeAll(async () => {
  project = await createProject({ "policies/platform.policy.ts": policy(`{ cidr: "198.51.100.0/24", description: "head office" }`, `"docker.io"`, `"harbor.myco.com"`) });
  git(project, "init", "--quiet", "--initial-branch=main");
  git(project, "add", ".");
  git(project, "commit", "--quiet", "-m", "base");
  // The change under review: a new office block, ghcr.io proxied, quay.io allowed directly.
  await writeFile(
    project.path("policies/platform.policy.ts"),
    policy(`{ cidr: "198.51.100.0/24", description: "head office" }, { cidr: "203.0.113.0/24", description: "new branch office" }`, `"docker.io", "ghcr.io"`, `"harbor.myco.com", "quay.io"`),
  );
});

describe("regfence diff --base", () => {
  it("prints what the change opens, as a pull-request comment", async () => {
    const result = await project.run(["diff", "--base", "main"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      [
        "## Registry access change against `main`",
        "",
        "### Networks and endpoints",
        "",
        "- **added** 203.0.113.0/24 (office) now reaches myContainerRegistry",
        "",
        "### Images",
        "",
        "| image | before | after |",
        "| --- | --- | --- |",
        "| `ghcr.io/example/app:1.0` | not rewritten, denied | → harbor.myco.com/ghcr.io/example/app:1.0, admitted |",
        "| `quay.io/example/app:1.0` | not rewritten, denied | not rewritten, admitted |",
        "",
      ].join("\n"),
    );
  });

  it("prints the same as JSON, and nothing of a secret", async () => {
    const result = await project.run(["diff", "--base", "main", "--format", "json"]);
    const diff = JSON.parse(result.stdout) as { networks: string[]; images: { image: string }[]; credentials: string[] };
    expect(diff.networks).toEqual(["+ 203.0.113.0/24 (office) now reaches myContainerRegistry"]);
    expect(diff.images.map(({ image }) => image)).toEqual(["ghcr.io/example/app:1.0", "quay.io/example/app:1.0"]);
    expect(diff.credentials).toEqual([]);
    expect(result.stdout).not.toContain("PULL_TOKEN_SECRET_VALUE");
  });

  it("says there is no change when there is none", async () => {
    const same = await project.run(["diff", "--base", "HEAD~0"]);
    expect(same.status).toBe(0);
    expect(same.stdout).toContain("### Networks and endpoints");
    git(project, "stash", "--quiet");
    try {
      const clean = await project.run(["diff", "--base", "main"]);
      expect(clean.stdout).toBe("## Registry access change against `main`\n\nNo change to registry access.\n");
    } finally {
      git(project, "stash", "pop", "--quiet");
    }
  });

  it.each([
    [["diff"], "name the revision to compare with"],
    [["diff", "--base", "no-such-branch"], 'base revision "no-such-branch" does not exist'],
  ])("refuses %j with exit 2", async (args, message) => {
    const result = await project.run(args);
    expect(result.stderr).toContain(message);
    expect(result.status).toBe(2);
  });

  it("refuses a base whose policies do not compile, saying why", async () => {
    const broken = await createProject({ "policies/platform.policy.ts": policy(`{ cidr: "198.51.100.1/24", description: "host bits" }`, `"docker.io"`, `"harbor.myco.com"`) });
    git(broken, "init", "--quiet", "--initial-branch=main");
    git(broken, "add", ".");
    git(broken, "commit", "--quiet", "-m", "broken base");
    await writeFile(broken.path("policies/platform.policy.ts"), policy(`{ cidr: "198.51.100.0/24", description: "fixed" }`, `"docker.io"`, `"harbor.myco.com"`));
    const result = await broken.run(["diff", "--base", "main"]);
    expect(result.stderr).toContain("RF2002");
    expect(result.stderr).toMatch(/the policies at main \([0-9a-f]{12}\) do not compile/);
    expect(result.status).toBe(2);
  });
});
