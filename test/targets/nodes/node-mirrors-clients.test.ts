import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProject, removeProjects } from "../../helpers/run-cli.ts";
import { closedPort } from "../ovh/fake-ovh-api.ts";
import { type LocalRegistry, startLocalRegistry } from "./local-registry.ts";

/**
 * The emitted node mirror configs, used unchanged by the real clients: skopeo (containers-image,
 * what CRI-O pulls with) with the emitted registries.conf drop-in, and containerd's `ctr` with
 * `--hosts-dir` at the emitted certs.d, against the distribution registry standing in for Harbor.
 * Which path each pull asked for is read from the registry's access log.
 */

const execute = promisify(execFile);
const has = (binary: string) => ["/usr/bin", "/usr/local/bin", "/usr/sbin"].some((directory) => existsSync(path.join(directory, binary)));
const required = process.env["REGFENCE_REQUIRE_NODE_CLIENTS"] === "1";
const clients = has("skopeo") && has("docker-registry") && has("containerd") && has("ctr");

interface Run {
  readonly ok: boolean;
  readonly output: string;
}

async function attempt(binary: string, args: readonly string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await execute(binary, [...args], { timeout: 60_000 });
    return { ok: true, output: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}${failed.message}` };
  }
}

/** A project whose proxy cache's node mirrors point at `endpoint`, compiled; resolves to its out/nodes. */
async function compiledMirrors(endpoint: string, strict: boolean): Promise<string> {
  const project = await createProject({
    "policies/proxy.policy.ts": `import { definePolicy, harborProxyCache } from "regfence";

export default definePolicy({
  name: "proxy",
  proxyCache: harborProxyCache({
    host: "harbor.myco.com",
    upstreams: ["docker.io", "quay.io"],
    projects: { public: true },
    nodeMirrors: { strict: ${strict}, endpoint: "${endpoint}" },
  }),
});
`,
    ".regfencerc.json": JSON.stringify({ targets: ["nodes"] }),
  });
  const result = await project.run(["compile", "--no-typecheck"]);
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return project.path("out", "nodes");
}

let registry: LocalRegistry;
let nginxDigest: string;
let containerd: { child: ChildProcess; socket: string; directory: string } | undefined;

beforeAll(async () => {
  if (!clients) {
    if (required) throw new Error("REGFENCE_REQUIRE_NODE_CLIENTS=1 but skopeo, containerd, ctr or docker-registry is missing (Debian: skopeo containerd docker-registry)");
    return;
  }
  registry = await startLocalRegistry();
  nginxDigest = await registry.push("docker.io/library/nginx", "latest");
  await registry.push("quay.io/prometheus/busybox", "latest");
  await registry.push("docker.io/library/alpine", "latest");
  const directory = await mkdtemp(path.join(tmpdir(), "regfence-containerd-"));
  const socket = path.join(directory, "containerd.sock");
  // Only the content store is needed: ctr resolves and fetches in its own process (containerd 1.6/1.7).
  await writeFile(
    path.join(directory, "config.toml"),
    `version = 2\nroot = "${directory}/root"\nstate = "${directory}/state"\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "${socket}"\n[ttrpc]\n  address = "${socket}.ttrpc"\n`,
  );
  const child = spawn("containerd", ["--config", path.join(directory, "config.toml")], { stdio: "ignore" });
  containerd = { child, socket, directory };
  for (let tries = 0; !existsSync(socket); tries++) {
    if (tries > 200) throw new Error("containerd did not start");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}, 120_000);

afterAll(async () => {
  if (containerd !== undefined) {
    const { child, directory } = containerd;
    child.kill();
    await new Promise((resolve) => (child.exitCode === null ? child.once("exit", resolve) : resolve(undefined)));
    await rm(directory, { recursive: true, force: true });
  }
  await registry?.stop();
  await removeProjects();
});

/** The requests a client made while `action` ran. */
async function served(action: () => Promise<Run>): Promise<{ run: Run; requests: string[] }> {
  const before = registry.requests().length;
  const run = await action();
  return { run, requests: registry.requests().slice(before) };
}

describe.runIf(clients || required)("node mirrors, pulled through by the real clients", () => {
  describe("skopeo with the emitted registries.conf drop-in (containers-image, as CRI-O)", () => {
    const skopeo = (conf: string, ...args: string[]) => attempt("skopeo", ["--registries-conf", conf, ...args]);
    let conf: string;
    beforeAll(async () => {
      conf = path.join(await compiledMirrors(`http://${registry.host}`, true), "cri-o", "registries.conf.d", "50-regfence-mirrors.conf");
    });

    it.each([
      ["a short Docker Hub name", "docker://nginx:latest", "GET /v2/docker.io/library/nginx/manifests/latest"],
      ["a fully qualified Docker Hub name", "docker://docker.io/library/nginx:latest", "GET /v2/docker.io/library/nginx/manifests/latest"],
      ["a quay.io image", "docker://quay.io/prometheus/busybox:latest", "GET /v2/quay.io/prometheus/busybox/manifests/latest"],
    ])("%s is served by the mirror's project", async (_, reference, request) => {
      const { run, requests } = await served(() => skopeo(conf, "inspect", "--raw", reference));
      expect(run.output).toContain('"schemaVersion":2');
      expect(run.ok).toBe(true);
      expect(requests).toContain(request);
    });

    it("a digest reference, copied whole: manifest and blobs from the project", async () => {
      const target = await mkdtemp(path.join(tmpdir(), "regfence-pulled-"));
      try {
        const { run, requests } = await served(() => skopeo(conf, "copy", "--quiet", `docker://nginx@${nginxDigest}`, `dir:${target}`));
        expect(run.output).toBe("");
        expect(run.ok).toBe(true);
        expect(requests).toContain(`GET /v2/docker.io/library/nginx/manifests/${nginxDigest}`);
        expect(requests.filter((request) => request.startsWith("GET /v2/docker.io/library/nginx/blobs/sha256:"))).toHaveLength(2);
      } finally {
        await rm(target, { recursive: true, force: true });
      }
    });

    it("strict, with the mirror down: the pull fails and the upstream is blocked, never contacted", async () => {
      const down = path.join(await compiledMirrors(`http://127.0.0.1:${await closedPort()}`, true), "cri-o", "registries.conf.d", "50-regfence-mirrors.conf");
      const run = await skopeo(down, "inspect", "--raw", "docker://nginx:latest");
      expect(run.ok).toBe(false);
      expect(run.output).toContain("registry docker.io is blocked");
      expect(run.output).toContain("connection refused");
    });
  });

  describe("containerd's ctr with --hosts-dir at the emitted certs.d", () => {
    const fetch = (hostsDir: string, reference: string) => attempt("ctr", ["--address", containerd?.socket ?? "", "--namespace", "regfence", "content", "fetch", "--hosts-dir", hostsDir, reference]);
    let strictHosts: string;
    let looseHosts: string;
    beforeAll(async () => {
      strictHosts = path.join(await compiledMirrors(`http://${registry.host}`, true), "containerd", "certs.d");
      looseHosts = path.join(await compiledMirrors(`http://${registry.host}`, false), "containerd", "certs.d");
    });

    it.each([
      ["strict", "docker.io/library/nginx:latest", "HEAD /v2/docker.io/library/nginx/manifests/latest"],
      // Another image: containerd does not fetch again the blobs it holds.
      ["with fallback", "docker.io/library/alpine:latest", "HEAD /v2/docker.io/library/alpine/manifests/latest"],
      ["strict", "quay.io/prometheus/busybox:latest", "HEAD /v2/quay.io/prometheus/busybox/manifests/latest"],
    ])("%s: %s is resolved and fetched from the mirror's project", async (mode, reference, request) => {
      const { run, requests } = await served(() => fetch(mode === "strict" ? strictHosts : looseHosts, reference));
      expect(run.ok, run.output).toBe(true);
      expect(requests).toContain(request);
      expect(requests.filter((line) => line.includes("/blobs/sha256:")).length).toBeGreaterThanOrEqual(2);
    });

    it("a digest reference is fetched from the project by digest", async () => {
      const { run, requests } = await served(() => fetch(strictHosts, `docker.io/library/nginx@${nginxDigest}`));
      expect(run.ok, run.output).toBe(true);
      expect(requests.some((line) => line.endsWith(`/v2/docker.io/library/nginx/manifests/${nginxDigest}`))).toBe(true);
    });

    it("strict: a registry that is not an upstream goes to the proxy's root, where it is not found", async () => {
      const { run, requests } = await served(() => fetch(strictHosts, "ghcr.io/acme/tool:1"));
      expect(run.ok).toBe(false);
      expect(run.output).toContain("not found");
      // containerd tries the [host] entry, then the server: both are the proxy's root.
      expect(requests.length).toBeGreaterThan(0);
      expect(new Set(requests)).toEqual(new Set(["HEAD /v2/acme/tool/manifests/1"]));
      expect(run.output).not.toMatch(/host="?ghcr\.io/);
    });

    it("strict, with the mirror down: the pull fails at the mirror and never tries Docker Hub", async () => {
      const port = await closedPort();
      const down = path.join(await compiledMirrors(`http://127.0.0.1:${port}`, true), "containerd", "certs.d");
      const run = await fetch(down, "docker.io/library/nginx:latest");
      expect(run.ok).toBe(false);
      expect(run.output).toContain(`127.0.0.1:${port}`);
      expect(run.output).not.toContain("registry-1.docker.io");
    });
  });
});
