import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";

/**
 * A stand-in for the OVH API on 127.0.0.1: `/auth/time`, GET/PUT of both IP restriction lists,
 * with state, and the project and registry listings import walks. Every signed request is checked
 * with node-ovh's own `signRequest` (an independent implementation of the signature), against a
 * server clock that is an hour ahead, so a client that does not use `/auth/time` is refused.
 */

interface NodeOvhSigner {
  signRequest(method: string, url: string, body: string, timestamp: string): string;
}
const nodeOvh = createRequire(import.meta.url)("@ovhcloud/node-ovh") as (params: { appKey: string; appSecret: string; consumerKey: string }) => NodeOvhSigner;

export interface StoredRestriction {
  readonly createdAt: string;
  readonly description: string;
  readonly ipBlock: string;
  readonly updatedAt: string;
}

export interface FakeOvhOptions {
  readonly applicationKey: string;
  readonly applicationSecret: string;
  readonly consumerKey: string;
  /** Registries that exist, keyed `serviceName/registryId`, with their lists' starting contents. */
  readonly registries: Record<string, { management: { ipBlock: string; description: string }[]; registry: { ipBlock: string; description: string }[] }>;
  /** `201-null`: answer PUT with 201 and `null`, as the older OVH guide documents. */
  readonly putAnswer?: "200-list" | "201-null";
  /** Accept PUTs without storing them: a server whose answer must not be taken as proof. */
  readonly dropPuts?: boolean;
  /** Registry names (`GET …/containerRegistry` lists them), keyed as `registries`; default `registry-<n>`. */
  readonly names?: Record<string, string>;
  /** Answer this many `/auth/time` requests with 503 before answering normally: a transient failure. */
  readonly authTimeFailures?: number;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly body: string;
  readonly status: number;
}

export interface FakeOvhApi {
  /** The API base to put in OVH_ENDPOINT, e.g. `http://127.0.0.1:PORT/1.0`. */
  readonly base: string;
  readonly requests: RecordedRequest[];
  list(key: string, list: "management" | "registry"): StoredRestriction[];
  close(): Promise<void>;
}

const skewSeconds = 3600;
const listPath = /^\/1\.0\/cloud\/project\/([^/]+)\/containerRegistry\/([^/]+)\/ipRestrictions\/(management|registry)$/;

export async function startFakeOvhApi(options: FakeOvhOptions): Promise<FakeOvhApi> {
  const signer = nodeOvh({ appKey: options.applicationKey, appSecret: options.applicationSecret, consumerKey: options.consumerKey });
  const stamp = "2024-02-01T15:15:06.436256Z";
  const state = new Map<string, StoredRestriction[]>();
  for (const [key, lists] of Object.entries(options.registries)) {
    for (const list of ["management", "registry"] as const) {
      state.set(`${key}/${list}`, lists[list].map((entry) => ({ createdAt: stamp, ...entry, updatedAt: stamp })));
    }
  }
  const requests: RecordedRequest[] = [];
  let authTimeFailures = options.authTimeFailures ?? 0;
  const serverNow = (): number => Math.round(Date.now() / 1000) + skewSeconds;

  const handle = (request: IncomingMessage, body: string): { status: number; value: unknown } => {
    const url = request.url ?? "/";
    const method = request.method ?? "GET";
    if (url === "/1.0/auth/time" && method === "GET") {
      if (authTimeFailures > 0) {
        authTimeFailures -= 1;
        return { status: 503, value: { message: "Service Unavailable" } };
      }
      return { status: 200, value: serverNow() };
    }
    const header = (name: string): string => String(request.headers[name] ?? "");
    if (header("x-ovh-application") !== options.applicationKey) return { status: 403, value: { errorCode: "INVALID_KEY", message: "Invalid application key" } };
    if (header("x-ovh-consumer") !== options.consumerKey) return { status: 403, value: { errorCode: "INVALID_CREDENTIAL", message: "This credential does not exist" } };
    const timestamp = header("x-ovh-timestamp");
    if (!/^\d+$/.test(timestamp) || Math.abs(Number(timestamp) - serverNow()) > 30) return { status: 400, value: { errorCode: "QUERY_TIME_OUT", message: "Query out of time" } };
    if (header("x-ovh-signature") !== signer.signRequest(method, `http://${header("host")}${url}`, body, timestamp)) {
      return { status: 403, value: { errorCode: "INVALID_SIGNATURE", message: "Invalid signature" } };
    }
    // The listings `regfence import ovh` walks: the projects, then each project's registries.
    const keys = Object.keys(options.registries);
    if (method === "GET" && url === "/1.0/cloud/project") return { status: 200, value: [...new Set(keys.map((key) => key.split("/")[0]))] };
    const registriesOf = /^\/1\.0\/cloud\/project\/([^/]+)\/containerRegistry$/.exec(url);
    if (method === "GET" && registriesOf !== null) {
      const service = decodeURIComponent(registriesOf[1] ?? "");
      const listed = keys.filter((key) => key.startsWith(`${service}/`));
      return {
        status: 200,
        value: listed.map((key, index) => {
          const id = key.split("/")[1] ?? "";
          return { createdAt: stamp, id, name: options.names?.[key] ?? `registry-${index + 1}`, projectID: service, region: "GRA", size: 0, status: "READY", updatedAt: stamp, url: `https://${id.slice(0, 8)}.gra7.container-registry.ovh.net`, version: "2.13.1" };
        }),
      };
    }
    const match = listPath.exec(url);
    if (match === null) return { status: 404, value: { message: `Got an invalid (or empty) URL: ${url}` } };
    const [, service = "", registryId = "", list = ""] = match.map((part) => decodeURIComponent(part));
    const key = `${service}/${registryId}/${list}`;
    const current = state.get(key);
    if (current === undefined) return { status: 404, value: { message: `The requested object (registryID = ${registryId}) does not exist` } };
    if (method === "GET") return { status: 200, value: [...current].reverse() };
    if (method !== "PUT") return { status: 405, value: { message: `Method ${method} not allowed` } };
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return { status: 400, value: { message: "Invalid JSON body" } };
    }
    if (!Array.isArray(parsed) || !parsed.every((entry: unknown) => typeof (entry as { ipBlock?: unknown } | null)?.ipBlock === "string")) {
      return { status: 400, value: { message: "Body must be an array of { ipBlock, description }" } };
    }
    const now = new Date(serverNow() * 1000).toISOString();
    const stored = (parsed as { ipBlock: string; description?: string }[]).map((entry) => ({
      createdAt: now,
      description: entry.description ?? "",
      ipBlock: entry.ipBlock.includes("/") ? entry.ipBlock : `${entry.ipBlock}/32`,
      updatedAt: now,
    }));
    if (options.dropPuts !== true) state.set(key, stored);
    return options.putAnswer === "201-null" ? { status: 201, value: null } : { status: 200, value: stored };
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const { status, value } = handle(request, body);
      requests.push({ method: request.method ?? "", path: request.url ?? "", body, status });
      response.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
      response.end(JSON.stringify(value));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}/1.0`,
    requests,
    list: (key, list) => state.get(`${key}/${list}`) ?? [],
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error === undefined ? resolve() : reject(error)))),
  };
}

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
