import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { harborApiDescription } from "./harbor-api-description.ts";

/**
 * A stand-in for Harbor's REST API v2.0 on 127.0.0.1, with state: system info, registry endpoints
 * and projects, Basic auth, pages (`page`, `page_size`, `X-Total-Count`), Harbor's error JSON, 409
 * on a duplicate name, 412 when deleting a project that holds repositories. Every request is first
 * checked against Harbor's own API description; one it does not allow is answered 400 and kept
 * in `violations`, which the tests expect to stay empty.
 */

export interface LiveRegistry {
  id: number;
  name: string;
  type: string;
  url: string;
  insecure: boolean;
  description: string;
  credential: { type: string; access_key: string; access_secret: string };
}

export interface LiveProject {
  project_id: number;
  name: string;
  registry_id: number | null;
  metadata: Record<string, string>;
  repo_count: number;
}

export interface LiveRobot {
  id: number;
  name: string;
  description: string;
  level: string;
  duration: number;
  disable: boolean;
  permissions: { kind: string; namespace: string; access: { resource: string; action: string }[] }[];
  secret: string;
}

export interface FakeHarborOptions {
  readonly username: string;
  readonly password: string;
  readonly version?: string;
  readonly registries?: readonly Omit<LiveRegistry, "id" | "credential">[];
  /** Projects besides `library`; `registry` names the endpoint a proxy-cache project is bound to. */
  readonly projects?: readonly { readonly name: string; readonly registry?: string; readonly metadata?: Record<string, string>; readonly repo_count?: number }[];
  /** System robots that exist (`name` without the `robot$` prefix Harbor adds). */
  readonly robots?: readonly (Omit<LiveRobot, "id" | "name"> & { readonly name: string })[];
  /** Answer this many requests with 503 before answering normally: a transient failure. */
  readonly unavailable?: number;
  /** Accept project updates without storing them: an answer that must not be taken as proof. */
  readonly dropProjectUpdates?: boolean;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly status: number;
}

export interface FakeHarborApi {
  /** The Harbor URL to put in the proxy cache's `api`, e.g. `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly violations: string[];
  readonly registries: LiveRegistry[];
  readonly projects: LiveProject[];
  readonly robots: LiveRobot[];
  /** The changing requests, as `METHOD path`. */
  writes(): string[];
  close(): Promise<void>;
}

const harborError = (status: number, code: string, message: string) => ({ status, value: { errors: [{ code, message }] } });

export async function startFakeHarborApi(options: FakeHarborOptions): Promise<FakeHarborApi> {
  const description = harborApiDescription();
  const registries: LiveRegistry[] = [];
  const projects: LiveProject[] = [{ project_id: 1, name: "library", registry_id: null, metadata: { public: "true" }, repo_count: 0 }];
  let nextId = 100;
  for (const registry of options.registries ?? []) registries.push({ id: nextId++, credential: { type: "basic", access_key: "", access_secret: "" }, ...registry });
  for (const project of options.projects ?? []) {
    const registryId = project.registry === undefined ? null : (registries.find(({ name }) => name === project.registry)?.id ?? null);
    projects.push({ project_id: nextId++, name: project.name, registry_id: registryId, metadata: project.metadata ?? { public: "false" }, repo_count: project.repo_count ?? 0 });
  }
  const robots: LiveRobot[] = (options.robots ?? []).map((robot) => ({ ...robot, id: nextId++, name: `robot$${robot.name}` }));
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  let unavailable = options.unavailable ?? 0;
  const authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString("base64")}`;

  const page = <T>(items: readonly T[], url: URL) => {
    const size = Number(url.searchParams.get("page_size") ?? "10");
    const number = Number(url.searchParams.get("page") ?? "1");
    return { status: 200, value: items.slice((number - 1) * size, number * size), total: items.length };
  };
  const projectByNameOrId = (request: IncomingMessage, key: string) =>
    request.headers["x-is-resource-name"] === "true" || !/^\d+$/.test(key) ? projects.find(({ name }) => name === key) : projects.find(({ project_id }) => project_id === Number(key));

  const handle = (request: IncomingMessage, url: URL, body: unknown): { status: number; value?: unknown; total?: number } => {
    if (unavailable > 0) {
      unavailable -= 1;
      return { status: 503, value: "<html><body>503 Service Unavailable</body></html>" };
    }
    if (url.pathname === "/service/token") {
      // Harbor's token service, where a runtime logs in before pulling: any valid user or robot gets a token.
      const [user, ...secret] = Buffer.from(String(request.headers.authorization ?? "").replace(/^Basic /, ""), "base64").toString("utf8").split(":");
      const robot = robots.find(({ name }) => name === user);
      const valid = request.headers.authorization === authorization || (robot !== undefined && !robot.disable && robot.secret === secret.join(":"));
      return valid ? { status: 200, value: { token: "a-token", expires_in: 1800 } } : { status: 401, value: { errors: [{ code: "UNAUTHORIZED", message: "authentication failed" }] } };
    }
    if (request.headers.authorization !== authorization) return harborError(401, "UNAUTHORIZED", "unauthorized");
    const method = request.method ?? "GET";
    const problem = description.check(method, url, request.headers, body);
    if (problem !== undefined) {
      violations.push(problem);
      return harborError(400, "BAD_REQUEST", problem);
    }
    const relative = url.pathname.slice(description.basePath.length);
    const [, collection, key] = relative.split("/").map(decodeURIComponent);
    if (relative === "/systeminfo") return { status: 200, value: { harbor_version: options.version ?? "v2.15.1-6b7c6b0b", auth_mode: "db_auth" } };
    if (collection === "registries") {
      if (key === undefined && method === "GET") return page(registries.map(({ credential, ...registry }) => ({ ...registry, credential: { ...credential, access_secret: "*****" }, status: "healthy" })), url);
      if (key === undefined && method === "POST") {
        const wanted = body as Pick<LiveRegistry, "name" | "type" | "url"> & Partial<Omit<LiveRegistry, "id">>;
        if (registries.some(({ name }) => name === wanted.name)) return harborError(409, "CONFLICT", `the registry whose name is ${wanted.name} already exists`);
        registries.push({ id: nextId++, insecure: false, description: "", credential: { type: "basic", access_key: "", access_secret: "" }, ...wanted });
        return { status: 201 };
      }
      const registry = registries.find(({ id }) => id === Number(key));
      if (registry === undefined) return harborError(404, "NOT_FOUND", `registry ${key} not found`);
      if (method === "PUT") {
        Object.assign(registry, body);
        return { status: 200 };
      }
    }
    if (collection === "projects") {
      if (key === undefined && method === "GET") return page(projects, url);
      if (key === undefined && method === "POST") {
        const wanted = body as { project_name: string; registry_id?: number; metadata?: Record<string, string> };
        if (projects.some(({ name }) => name === wanted.project_name)) return harborError(409, "CONFLICT", `The project named ${wanted.project_name} already exists`);
        if (wanted.registry_id !== undefined && !registries.some(({ id }) => id === wanted.registry_id)) return harborError(400, "BAD_REQUEST", `registry ${wanted.registry_id} not found`);
        projects.push({ project_id: nextId++, name: wanted.project_name, registry_id: wanted.registry_id ?? null, metadata: { public: "false", ...wanted.metadata }, repo_count: 0 });
        return { status: 201 };
      }
      const project = key === undefined ? undefined : projectByNameOrId(request, key);
      if (project === undefined) return harborError(404, "NOT_FOUND", `project ${key} not found`);
      if (method === "PUT") {
        if (options.dropProjectUpdates !== true) Object.assign(project.metadata, (body as { metadata?: Record<string, string> }).metadata);
        return { status: 200 };
      }
      if (method === "DELETE") {
        if (project.repo_count > 0) return harborError(412, "PRECONDITION", `the project contains repositories, can not be deleted`);
        projects.splice(projects.indexOf(project), 1);
        return { status: 200 };
      }
    }
    if (collection === "robots") {
      if (key === undefined && method === "GET") return page(robots.map(({ secret: _secret, ...robot }) => robot), url);
      if (key === undefined && method === "POST") {
        const wanted = body as Omit<LiveRobot, "id" | "secret">;
        if (robots.some(({ name }) => name === `robot$${wanted.name}`)) return harborError(409, "CONFLICT", `robot account 0:${wanted.name} already exists`);
        const unknown = wanted.permissions.find(({ namespace }) => namespace !== "*" && !projects.some(({ name }) => name === namespace));
        if (unknown !== undefined) return harborError(400, "BAD_REQUEST", `project ${unknown.namespace} not found`);
        const robot = { ...wanted, id: nextId++, name: `robot$${wanted.name}`, disable: wanted.disable ?? false, secret: `Generated${nextId}Secret` };
        robots.push(robot);
        return { status: 201, value: { id: robot.id, name: robot.name, secret: robot.secret, creation_time: "2026-12-05T12:00:00Z", expires_at: -1 } };
      }
      const robot = robots.find(({ id }) => id === Number(key));
      if (robot === undefined) return harborError(404, "NOT_FOUND", `robot ${key} not found`);
      if (method === "PUT") {
        const { secret: _ignored, ...changes } = body as Partial<LiveRobot>;
        Object.assign(robot, changes);
        return { status: 200 };
      }
      if (method === "PATCH") {
        const { secret } = body as { secret?: string };
        if (secret === undefined || secret.length < 8 || secret.length > 128 || !/[A-Z]/.test(secret) || !/[a-z]/.test(secret) || !/\d/.test(secret)) {
          return harborError(400, "BAD_REQUEST", "the secret must be longer than 8 chars with at least 1 uppercase letter, 1 lowercase letter and 1 number");
        }
        robot.secret = secret;
        return { status: 200, value: { secret: "" } };
      }
    }
    return harborError(405, "METHOD_NOT_ALLOWED", `the stand-in does not serve ${method} ${relative}`);
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", "http://127.0.0.1");
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      let answer: { status: number; value?: unknown; total?: number };
      try {
        body = text === "" ? undefined : (JSON.parse(text) as unknown);
        answer = handle(request, url, body);
      } catch {
        answer = harborError(400, "BAD_REQUEST", "invalid JSON");
      }
      requests.push({ method: request.method ?? "GET", path: `${url.pathname}${url.search}`, body, status: answer.status });
      const headers: Record<string, string> = { "Content-Type": typeof answer.value === "string" ? "text/html" : "application/json" };
      if (answer.total !== undefined) headers["X-Total-Count"] = String(answer.total);
      response.writeHead(answer.status, headers);
      response.end(answer.value === undefined ? "" : typeof answer.value === "string" ? answer.value : JSON.stringify(answer.value));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    violations,
    registries,
    projects,
    robots,
    writes: () => requests.filter(({ method }) => method !== "GET").map(({ method, path }) => `${method} ${path}`),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
