import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createProject, removeProjects, repoRoot, runCli } from "../../helpers/run-cli.ts";

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
        "          served by Harbor harbor.myco.com: project docker.io, registry endpoint docker.io (docker-hub https://hub.docker.com)",
        "          nodes (containerd, cri-o, k3s, talos) given the image as written pull https://harbor.myco.com/v2/docker.io/library/nginx/manifests/1.27, then https://registry-1.docker.io if the mirror fails",
        "denied    gcr.io.evil.com/x",
        "          policy proxy-cache: gcr.io.evil.com is not an approved upstream: not rewritten; denied by rule allowed-registries: not on an allowed registry (harbor.myco.com/)",
        "          nodes (containerd, cri-o, k3s, talos) given the image as written pull gcr.io.evil.com directly: not an upstream of harbor.myco.com",
        "",
      ].join("\n"),
    );
  });

  it("exits 0 when every image is admitted, and honours --namespace", async () => {
    const { status, stdout } = await runCli(["explain", "--no-typecheck", "--namespace", "kube-system", "--format", "json", "registry.k8s.io/pause:3.9"]);
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      {
        policy: "proxy-cache",
        image: "registry.k8s.io/pause:3.9",
        rewritten: "registry.k8s.io/pause:3.9",
        admitted: true,
        reason: 'namespace "kube-system" is excluded: neither rewritten nor checked',
        nodes: Object.fromEntries(["containerd", "cri-o", "k3s", "talos"].map((runtime) => [runtime, "registry.k8s.io directly: not an upstream of harbor.myco.com"])),
      },
    ]);
  });

  it("strict node mirrors: what each runtime pulls for an upstream's image, a digest, and a registry that is not an upstream", async () => {
    const project = await createProject({
      "policies/p.policy.ts": `import { definePolicy, harborProxyCache } from "regfence";

export default definePolicy({
  name: "p",
  proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["quay.io"], projects: { public: true }, nodeMirrors: { strict: true } }),
});
`,
    });
    const digest = `sha256:${"a".repeat(64)}`;
    const { stdout } = await project.run(["explain", "--no-typecheck", "--format", "json", `quay.io/prometheus/busybox@${digest}`, "ghcr.io/acme/tool:1"]);
    const [upstream, other] = JSON.parse(stdout) as { nodes: Record<string, string> }[];
    expect(upstream?.nodes).toEqual(
      Object.fromEntries(["containerd", "cri-o", "k3s", "talos"].map((runtime) => [runtime, `https://harbor.myco.com/v2/quay.io/prometheus/busybox/manifests/${digest}`])),
    );
    expect(other?.nodes).toEqual({
      containerd: "https://harbor.myco.com/v2/acme/tool/manifests/1: the proxy's root, where Harbor has no such project, so the pull fails",
      "cri-o": "ghcr.io directly: not an upstream of harbor.myco.com, and CRI-O has no catch-all mirror",
      k3s: "ghcr.io directly: not an upstream of harbor.myco.com, and k3s has no catch-all mirror",
      talos: "ghcr.io directly: not an upstream of harbor.myco.com (skipFallback covers upstreams only)",
    });
  });

  it("names the Harbor project and registry endpoint that serve a rewritten image, as compiled into out/harbor", async () => {
    const { status, stdout } = await runCli(["explain", "--no-typecheck", "--format", "json", "quay.io/prometheus/node-exporter:v1.8.2", "ghcr.io/fluxcd/flux-cli:v2.4.0"]);
    expect(status).toBe(0);
    const rows = JSON.parse(stdout) as { rewritten: string; harbor: { proxy: string; project: string; endpoint: string; type: string; url: string } }[];
    expect(rows.map(({ rewritten, harbor }) => ({ rewritten, harbor }))).toEqual([
      {
        rewritten: "harbor.myco.com/quay.io/prometheus/node-exporter:v1.8.2",
        harbor: { proxy: "harbor.myco.com", project: "quay.io", endpoint: "quay.io", type: "docker-registry", url: "https://quay.io" },
      },
      { rewritten: "harbor.myco.com/ghcr.io/fluxcd/flux-cli:v2.4.0", harbor: { proxy: "harbor.myco.com", project: "ghcr.io", endpoint: "ghcr.io", type: "github-ghcr", url: "https://ghcr.io" } },
    ]);
    // The same project and endpoint the Harbor target provisions.
    const compiled = (file: string) => JSON.parse(readFileSync(path.join(repoRoot, "out", "harbor", "harbor.myco.com", file), "utf8")) as { name?: string; project_name?: string; registry?: string; type?: string; url?: string }[];
    for (const { harbor } of rows) {
      expect(compiled("projects.json")).toContainEqual(expect.objectContaining({ project_name: harbor.project, registry: harbor.endpoint }));
      expect(compiled("registries.json")).toContainEqual(expect.objectContaining({ name: harbor.endpoint, type: harbor.type, url: harbor.url }));
    }
  });

  it("node mirrors are validated before explain uses them: a bad endpoint is RF9002, not a crash", async () => {
    const project = await createProject({
      "policies/p.policy.ts": `import { definePolicy, harborProxyCache } from "regfence";

export default definePolicy({
  name: "p",
  proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["quay.io"], projects: { public: true }, nodeMirrors: { endpoint: "not a url" } }),
});
`,
    });
    const { status, stdout, stderr } = await project.run(["explain", "--no-typecheck", "quay.io/x:1"]);
    expect(status).toBe(1);
    expect(stderr).toContain('error RF9002 node mirror endpoint "not a url" is not a URL');
    expect(stderr).not.toContain("internal error");
    expect(stdout).toBe("");
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
