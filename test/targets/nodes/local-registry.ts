import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";

/**
 * The CNCF distribution registry (Debian's `docker-registry`) on 127.0.0.1, standing in for the
 * Harbor proxy: it serves images under the project paths (`docker.io/library/nginx`), and its access
 * log shows which path each runtime asked for.
 */

const run = promisify(execFile);

export interface LocalRegistry {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  /** The request lines served so far (`GET /v2/docker.io/library/nginx/manifests/latest`), query strings dropped. */
  requests(): string[];
  /** Pushes a one-file image as `repository:tag`; resolves to its manifest digest. */
  push(repository: string, tag: string): Promise<string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

const sha256 = (bytes: Buffer | string) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/** A tar archive holding one small file (ustar, as `tar` writes it), built here so the test needs no tar binary. */
function oneFileTar(name: string, content: string): Buffer {
  const body = Buffer.from(content);
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write("0000644\0", 100);
  header.write("0000000\0", 108);
  header.write("0000000\0", 116);
  header.write(`${body.length.toString(8).padStart(11, "0")}\0`, 124);
  header.write("00000000000\0", 136);
  header.write("        ", 148);
  header.write("0", 156);
  header.write("ustar\0", 257);
  header.write("00", 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  const padding = Buffer.alloc((512 - (body.length % 512)) % 512);
  return Buffer.concat([header, body, padding, Buffer.alloc(1024)]);
}

/** An OCI image layout holding one image tagged `latest`. */
async function ociLayout(directory: string, label: string): Promise<void> {
  const tar = oneFileTar("hello.txt", `served by the mirror: ${label}\n`);
  const layer = gzipSync(tar, { level: 9 });
  const config = JSON.stringify({ architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: [sha256(tar)] } });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: Buffer.byteLength(config) },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: sha256(layer), size: layer.length }],
  });
  await mkdir(path.join(directory, "blobs", "sha256"), { recursive: true });
  for (const blob of [layer, config, manifest]) await writeFile(path.join(directory, "blobs", "sha256", sha256(blob).slice(7)), blob);
  await writeFile(path.join(directory, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const index = { schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: sha256(manifest), size: Buffer.byteLength(manifest), annotations: { "org.opencontainers.image.ref.name": "latest" } }] };
  await writeFile(path.join(directory, "index.json"), JSON.stringify(index));
}

export async function startLocalRegistry(): Promise<LocalRegistry> {
  const directory = await mkdtemp(path.join(tmpdir(), "regfence-registry-"));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = path.join(directory, "config.yml");
  await writeFile(config, `version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(directory, "data")}\nhttp:\n  addr: ${host}\n`);
  const child: ChildProcess = spawn("docker-registry", ["serve", config], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout?.on("data", (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString()));
  for (let attempt = 0; ; attempt++) {
    try {
      if ((await fetch(`http://${host}/v2/`)).ok) break;
    } catch {
      if (attempt > 100) throw new Error(`the registry did not start: ${log}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const emptyConf = path.join(directory, "no-mirrors.conf");
  await writeFile(emptyConf, "");
  return {
    host,
    requests: () => [...log.matchAll(/"(GET|HEAD) ([^ ?"]+)[^"]* HTTP\/1\.1"/g)].map((match) => `${match[1]} ${match[2]}`),
    async push(repository, tag) {
      const layout = path.join(directory, `layout-${repository.replaceAll("/", "_")}`);
      await ociLayout(layout, repository);
      await run("skopeo", ["--registries-conf", emptyConf, "copy", "--quiet", "--dest-tls-verify=false", `oci:${layout}:latest`, `docker://${host}/${repository}:${tag}`]);
      const { stdout } = await run("skopeo", ["--registries-conf", emptyConf, "inspect", "--tls-verify=false", "--raw", `docker://${host}/${repository}:${tag}`]);
      return sha256(stdout);
    },
    async stop() {
      child.kill();
      await new Promise((resolve) => (child.exitCode === null ? child.once("exit", resolve) : resolve(undefined)));
      await rm(directory, { recursive: true, force: true });
    },
  };
}
