import { afterAll, describe, expect, it } from "vitest";
import { createProject, removeProjects, runCli } from "../../helpers/run-cli.ts";

afterAll(removeProjects);

describe("regfence explain", () => {
  it("prints each image's fate and the rule that decided; exit 1 when one is denied", async () => {
    const { status, stdout, stderr } = await runCli(["explain", "--no-typecheck", "nginx:1.27", "gcr.io.evil.com/x"]);
    expect(stderr).toBe("");
    expect(status).toBe(1);
    expect(stdout).toBe(
      [
        "admitted  nginx:1.27 → harbor.myco.com/docker.io/nginx:1.27",
        "          policy proxy-cache: rewritten by rule rewrite-images: docker.io (implied) is proxied by project docker.io; admitted by rule allowed-registries: on harbor.myco.com/",
        "denied    gcr.io.evil.com/x",
        "          policy proxy-cache: gcr.io.evil.com is not an approved upstream: not rewritten; denied by rule allowed-registries: not on an allowed registry (harbor.myco.com/)",
        "",
      ].join("\n"),
    );
  });

  it("exits 0 when every image is admitted, and honours --namespace", async () => {
    const { status, stdout } = await runCli(["explain", "--no-typecheck", "--namespace", "kube-system", "--format", "json", "registry.k8s.io/pause:3.9"]);
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      { policy: "proxy-cache", image: "registry.k8s.io/pause:3.9", rewritten: "registry.k8s.io/pause:3.9", admitted: true, reason: 'namespace "kube-system" is excluded: neither rewritten nor checked' },
    ]);
  });

  it("reports an invalid reference as such", async () => {
    const { stdout } = await runCli(["explain", "--no-typecheck", "--format", "json", "Nginx:latest"]);
    expect(JSON.parse(stdout)).toEqual([
      expect.objectContaining({ rewritten: "Nginx:latest", admitted: false, reason: "denied by rule valid-references: not a valid image reference (invalid reference format: repository name must be lowercase)" }),
    ]);
  });

  it.each([
    [["explain"], /name at least one image/],
    [["explain", "--format", "github", "nginx"], /unknown --format "github": use pretty or json/],
  ])("%j is a usage error", async (args, message) => {
    const { status, stderr } = await runCli(args);
    expect(status).toBe(2);
    expect(stderr).toMatch(message);
  });

  it("says so when no policy has image rules", async () => {
    const project = await createProject({ "policies/empty.policy.ts": 'import { definePolicy } from "regfence";\n\nexport default definePolicy({ name: "empty" });\n' });
    const { status, stdout } = await project.run(["explain", "--no-typecheck", "nginx"]);
    expect(status).toBe(0);
    expect(stdout).toBe("no policy has a proxy cache or admission rules\n");
  });
});
