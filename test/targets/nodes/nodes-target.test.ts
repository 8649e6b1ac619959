/**
 * The node mirrors target from the IR: what it refuses (each finding at its field), and that every
 * runtime sends each upstream to the Harbor project the Kyverno rewrite and the Harbor target use.
 */
import { parse } from "smol-toml";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { definePolicy, type HarborProxyCacheOptions, harborProxyCache } from "../../../src/dsl/index.ts";
import type { Anchoring } from "../../../src/ir/anchoring.ts";
import { buildProgram } from "../../../src/ir/build-program.ts";
import type { ProgramNode } from "../../../src/ir/model.ts";
import { TemplateRenderer } from "../../../src/render/template-renderer.ts";
import { desiredState } from "../../../src/targets/harbor/harbor-plan.ts";
import { rewritePlan } from "../../../src/targets/kyverno/rewrite-plan.ts";
import { nodesTarget } from "../../../src/targets/nodes/nodes-target.ts";

const anchoring: Anchoring = { at: (_root, at) => ({ file: "policies/p.policy.ts", line: 1, column: 1, path: [...(at ?? [])] }) };

function built(...proxies: Partial<HarborProxyCacheOptions>[]): { program: ProgramNode; codes: { code: string; path: readonly (string | number)[] }[] } {
  const files = proxies.map((options, index) => ({
    file: `policies/p${index}.policy.ts`,
    value: definePolicy({ name: `p${index}`, proxyCache: harborProxyCache({ host: `harbor${index}.myco.com`, upstreams: [], projects: { public: true }, nodeMirrors: {}, ...options }) }),
    anchors: anchoring,
  }));
  const result = buildProgram(files, { cwd: "/repo", projectRoot: "/repo" });
  const findings = [...result.findings, ...nodesTarget.validate(result.program)];
  return { program: result.program, codes: findings.map((finding) => ({ code: finding.code, path: finding.at.path })) };
}

describe("nodes: what a policy may ask of node mirrors", () => {
  it.each([
    ["public projects, defaults", [{ upstreams: ["docker.io", "quay.io"] }], []],
    ["an http endpoint to this machine", [{ upstreams: ["docker.io"], nodeMirrors: { endpoint: "http://127.0.0.1:5000" } }], []],
    ["an http endpoint elsewhere", [{ upstreams: ["docker.io"], nodeMirrors: { endpoint: "http://harbor.myco.com" } }], [{ code: "RF9002", path: [0, "nodeMirrors", "endpoint"] }]],
    ["an endpoint with a path", [{ upstreams: ["docker.io"], nodeMirrors: { endpoint: "https://harbor.myco.com/v2" } }], [{ code: "RF9002", path: [0, "nodeMirrors", "endpoint"] }]],
    ["a relative CA path", [{ upstreams: ["docker.io"], nodeMirrors: { caFile: "certs/ca.crt" } }], [{ code: "RF9001", path: [0, "nodeMirrors", "caFile"] }]],
    ["a CA path with a newline", [{ upstreams: ["docker.io"], nodeMirrors: { caFile: "/etc/ca.crt\nserver = 'x'" } }], [{ code: "RF9001", path: [0, "nodeMirrors", "caFile"] }]],
    ["a CA path with a quote", [{ upstreams: ["docker.io"], nodeMirrors: { caFile: '/etc/"ca".crt' } }], [{ code: "RF9001", path: [0, "nodeMirrors", "caFile"] }]],
    ["private projects", [{ upstreams: ["docker.io"], projects: { public: false } }], [{ code: "RF9005", path: [0, "nodeMirrors"] }]],
    ["strict on two proxy caches", [{ upstreams: ["docker.io"], nodeMirrors: { strict: true } }, { upstreams: ["quay.io"], nodeMirrors: { strict: true } }], [{ code: "RF9003", path: [0, "nodeMirrors", "strict"] }]],
    ["strict on one of two", [{ upstreams: ["docker.io"], nodeMirrors: { strict: true } }, { upstreams: ["quay.io"] }], []],
    ["strict on two, containerd on one", [{ upstreams: ["docker.io"], nodeMirrors: { strict: true } }, { upstreams: ["quay.io"], nodeMirrors: { strict: true, runtimes: ["cri-o", "talos"] } }], []],
    ["no runtime", [{ upstreams: ["docker.io"], nodeMirrors: { runtimes: [] } }], [{ code: "RF9006", path: [0, "nodeMirrors", "runtimes"] }]],
  ] as const)("%s", (_, proxies, expected) => {
    expect(built(...(proxies as readonly Partial<HarborProxyCacheOptions>[])).codes).toEqual(expected);
  });
});

describe("nodes: strict containerd mirrors beside images the rewrite leaves alone", () => {
  const policy = (admission: object, nodeMirrors: object) =>
    buildProgram(
      [{ file: "policies/p.policy.ts", value: definePolicy({ name: "p", proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["docker.io"], projects: { public: true }, nodeMirrors }), admission }), anchors: anchoring }],
      { cwd: "/repo", projectRoot: "/repo" },
    ).program;
  it.each([
    ["kube-system excluded, strict containerd", { allow: ["harbor.myco.com"], excludeNamespaces: ["kube-system"] }, { strict: true }, ["RF9007"]],
    ["another registry allowed, strict containerd", { allow: ["harbor.myco.com", "registry.myco.com"] }, { strict: true }, ["RF9007"]],
    ["kube-system excluded, strict CRI-O only", { allow: ["harbor.myco.com"], excludeNamespaces: ["kube-system"] }, { strict: true, runtimes: ["cri-o"] }, []],
    ["kube-system excluded, with fallback", { allow: ["harbor.myco.com"], excludeNamespaces: ["kube-system"] }, {}, []],
  ] as const)("%s", (_, admission, nodeMirrors, expected) => {
    expect(nodesTarget.validate(policy(admission, nodeMirrors)).map((finding) => finding.code)).toEqual(expected);
  });
});

describe("nodes: what it emits", () => {
  const emitted = async (options: Partial<HarborProxyCacheOptions>) => {
    const { program, codes } = built(options);
    expect(codes).toEqual([]);
    const emission = await nodesTarget.emit(program, { render: new TemplateRenderer(), options: undefined, secrets: false });
    const read = (file: string, content: string) => (file.endsWith(".yaml") ? (parseYaml(content) as Record<string, unknown>) : (parse(content) as Record<string, unknown>));
    return { program, files: new Map(emission.artifacts.map((artifact) => [artifact.path, read(artifact.path, artifact.content)])), notes: emission.notes };
  };
  const upstreams = ["docker.io", "quay.io", { registry: "ghcr.io", project: "github" }, { registry: "registry.example.com:5000", project: "example" }] as const;

  it("each runtime sends an upstream to the project the Kyverno rewrite and the Harbor target use", async () => {
    const { program, files } = await emitted({ upstreams: [...upstreams] });
    const proxy = program.policies[0]?.proxyCache;
    if (proxy === undefined || proxy === null) throw new Error("no proxy cache");
    const rewriteProjects = new Map(rewritePlan(proxy).steps.map((step) => [step.prefix.slice(`${proxy.host}/`.length).replace(/\/(library\/)?$/, ""), true]));
    const harborProjects = desiredState(proxy).projects.map((project) => [project.registry, project.project_name] as const);
    for (const [registry, project] of harborProjects) {
      expect(rewriteProjects.has(project)).toBe(true);
      const directory = registry.replace(/:(\d+)$/, "_$1_");
      expect(Object.keys(files.get(`nodes/containerd/certs.d/${directory}/hosts.toml`)?.["host"] as object)).toEqual([`https://harbor0.myco.com/v2/${project}`]);
      const conf = files.get("nodes/cri-o/registries.conf.d/50-regfence-mirrors.conf") as { registry: { prefix: string; mirror: { location: string }[] }[] };
      expect(conf.registry.find((entry) => entry.prefix === registry)?.mirror).toEqual([{ location: `harbor0.myco.com/${project}` }]);
      const k3s = files.get("nodes/k3s/registries.yaml") as { mirrors: Record<string, { endpoint: string[] }> };
      expect(k3s.mirrors[registry]).toEqual({ endpoint: [`https://harbor0.myco.com/v2/${project}`] });
      const talos = files.get("nodes/talos/talos-patch.yaml") as { machine: { registries: { mirrors: Record<string, unknown> } } };
      expect(talos.machine.registries.mirrors[registry]).toEqual({ endpoints: [`https://harbor0.myco.com/v2/${project}`], overridePath: true });
    }
  });

  it("with fallback: the upstream stays containerd's server; strict: the mirror is, other registries go to the proxy root, CRI-O blocks the upstream", async () => {
    const loose = await emitted({ upstreams: ["docker.io"] });
    expect(loose.files.get("nodes/containerd/certs.d/docker.io/hosts.toml")).toEqual({
      server: "https://registry-1.docker.io",
      host: { "https://harbor0.myco.com/v2/docker.io": { capabilities: ["pull", "resolve"], override_path: true } },
    });
    expect(loose.files.has("nodes/containerd/certs.d/_default/hosts.toml")).toBe(false);
    const strict = await emitted({ upstreams: ["docker.io"], nodeMirrors: { strict: true, caFile: "/etc/pki/harbor-ca.crt" } });
    expect(strict.files.get("nodes/containerd/certs.d/docker.io/hosts.toml")).toEqual({
      server: "https://harbor0.myco.com/v2/docker.io",
      override_path: true,
      ca: "/etc/pki/harbor-ca.crt",
      // containerd 1.6/1.7 ignore a hosts.toml without a [host] table and fall back to Docker Hub.
      host: { "https://harbor0.myco.com/v2/docker.io": { capabilities: ["pull", "resolve"], override_path: true, ca: "/etc/pki/harbor-ca.crt" } },
    });
    expect(strict.files.get("nodes/containerd/certs.d/_default/hosts.toml")).toEqual({
      server: "https://harbor0.myco.com",
      ca: "/etc/pki/harbor-ca.crt",
      host: { "https://harbor0.myco.com": { capabilities: ["pull", "resolve"], ca: "/etc/pki/harbor-ca.crt" } },
    });
    expect(strict.files.get("nodes/cri-o/registries.conf.d/50-regfence-mirrors.conf")).toEqual({
      "unqualified-search-registries": ["docker.io"],
      registry: [{ prefix: "docker.io", location: "docker.io", blocked: true, mirror: [{ location: "harbor0.myco.com/docker.io" }] }],
    });
    expect((strict.files.get("nodes/talos/talos-patch.yaml") as { machine: { registries: { mirrors: Record<string, { skipFallback?: boolean }> } } }).machine.registries.mirrors["docker.io"]?.skipFallback).toBe(true);
    expect(strict.files.get("nodes/k3s/registries.yaml")?.["configs"]).toEqual({ "harbor0.myco.com": { tls: { ca_file: "/etc/pki/harbor-ca.crt" } } });
    expect(strict.notes).toContain("CRI-O nodes: containers-image reads a registry's CA from /etc/containers/certs.d/harbor0.myco.com/ca.crt: copy /etc/pki/harbor-ca.crt there");
  });

  it("Docker Hub written by another of its names is configured under docker.io, the name runtimes normalise to", async () => {
    const { files } = await emitted({ upstreams: ["index.docker.io"] });
    expect(files.get("nodes/containerd/certs.d/docker.io/hosts.toml")).toEqual({
      server: "https://registry-1.docker.io",
      host: { "https://harbor0.myco.com/v2/index.docker.io": { capabilities: ["pull", "resolve"], override_path: true } },
    });
    expect([...files.keys()].some((file) => file.includes("certs.d/index.docker.io"))).toBe(false);
    expect(files.get("nodes/cri-o/registries.conf.d/50-regfence-mirrors.conf")).toEqual({
      "unqualified-search-registries": ["docker.io"],
      registry: [{ prefix: "docker.io", location: "docker.io", mirror: [{ location: "harbor0.myco.com/index.docker.io" }] }],
    });
    expect(Object.keys((files.get("nodes/k3s/registries.yaml") as { mirrors: object }).mirrors)).toEqual(["docker.io"]);
  });

  it("turns certs.d on for containerd 1.x and 2.x, and emits only the runtimes asked for", async () => {
    const { files } = await emitted({ upstreams: ["quay.io"], nodeMirrors: { runtimes: ["containerd"] } });
    expect(files.get("nodes/containerd/containerd-1.x.toml")).toEqual({ plugins: { "io.containerd.grpc.v1.cri": { registry: { config_path: "/etc/containerd/certs.d" } } } });
    expect(files.get("nodes/containerd/containerd-2.x.toml")).toEqual({
      plugins: { "io.containerd.cri.v1.images": { registry: { config_path: "/etc/containerd/certs.d" } }, "io.containerd.transfer.v1.local": { config_path: "/etc/containerd/certs.d" } },
    });
    expect([...files.keys()].some((file) => file.startsWith("nodes/cri-o/"))).toBe(false);
  });
});
