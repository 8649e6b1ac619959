import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, createProject, removeProjects, repoRoot } from "../../helpers/run-cli.ts";
import { closedPort } from "../ovh/fake-ovh-api.ts";
import { type FakeHarborApi, type FakeHarborOptions, startFakeHarborApi } from "./fake-harbor-api.ts";
import { harborSwaggerPath } from "./harbor-api-description.ts";

/**
 * `regfence apply harbor` as an operator runs it: the built CLI in a project of its own whose proxy
 * cache's `api` is a local stand-in for Harbor that checks every request against Harbor's own API
 * description. Needs `npm run build` first (as `npm test` does).
 */

const admin = { HARBOR_USERNAME: "admin", HARBOR_PASSWORD: "Harbor12345" };
const upstreamSecrets = { GHCR_USER: "octocat", GHCR_TOKEN: "ghp_upstreamtoken" };
const robotSecrets = { HARBOR_ROBOT_USER: "robot$kube-pull", HARBOR_ROBOT_TOKEN: "Pull3dThroughHarbor" };
/** The caller's own variables never leak into a run. */
const unset = { HARBOR_USERNAME: undefined, HARBOR_PASSWORD: undefined, GHCR_USER: undefined, GHCR_TOKEN: undefined, HARBOR_ROBOT_USER: undefined, HARBOR_ROBOT_TOKEN: undefined };

/** The proxy cache at `api`; `robot` adds the pull robot and the credential it feeds. */
function policy(api: string, robot = false): string {
  return `import { credential, definePolicy, fromEnv, harborProxyCache } from "regfence";

const pull = credential("harbor-pull", { server: "harbor.myco.com", username: fromEnv("HARBOR_ROBOT_USER"), password: fromEnv("HARBOR_ROBOT_TOKEN"), readOnly: true });

export default definePolicy({
  name: "proxy-cache",
  credentials: [pull],
  proxyCache: harborProxyCache({
    host: "harbor.myco.com",
    api: "${api}",
    upstreams: [
      "docker.io",
      "quay.io",
      { registry: "ghcr.io", project: "github", credentials: { username: fromEnv("GHCR_USER"), password: fromEnv("GHCR_TOKEN") } },
    ],
    projects: { proxySpeedKb: 10240 },${robot ? `\n    robot: { name: "kube-pull", credential: pull },` : ""}
  }),
});
`;
}

const required = process.env["REGFENCE_REQUIRE_SCHEMAS"] === "1";
const servers = new Set<FakeHarborApi>();

async function harbor(overrides: Partial<FakeHarborOptions> = {}): Promise<FakeHarborApi> {
  const server = await startFakeHarborApi({ username: admin.HARBOR_USERNAME, password: admin.HARBOR_PASSWORD, ...overrides });
  servers.add(server);
  return server;
}

/** A project compiled for `api` (its `out/` is what apply checks it is about to apply). */
async function compiled(api: string, robot = false): Promise<(args: readonly string[], env?: Record<string, string>) => Promise<CliResult>> {
  const project = await createProject({ "policies/proxy-cache.policy.ts": policy(api, robot), ".regfencerc.json": JSON.stringify({ targets: ["harbor"] }) });
  const result = await project.run(["compile"], unset);
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return (args, env = {}) => project.run(args, { ...unset, ...env });
}

const secretsIn = (result: CliResult) => `${result.stdout}${result.stderr}`.match(/Harbor12345|ghp_upstreamtoken|octocat|Pull3dThroughHarbor|Generated\d+Secret/g) ?? [];

beforeAll(() => {
  if (!existsSync(path.join(repoRoot, "dist", "regfence.cjs"))) throw new Error("dist/ has no CLI: run `npm run build` first");
});
afterAll(async () => {
  await Promise.all([...servers].map((server) => server.close()));
  await removeProjects();
});

describe.runIf(existsSync(harborSwaggerPath) || required).concurrent("regfence apply harbor", () => {
  it("an empty Harbor: --dry-run lists what it would create and exits 3; apply creates it, confirms it, and a second apply sends nothing", async () => {
    const server = await harbor();
    const regfence = await compiled(server.url);
    const env = { ...admin, ...upstreamSecrets };

    const dry = await regfence(["apply", "harbor", "--dry-run"], env);
    expect(dry.stderr).toBe("");
    expect(dry.stdout).toBe(
      [
        `harbor.myco.com (${server.url})`,
        "  registries  3 to create: would apply (3 endpoints)",
        "      + docker.io (docker-hub https://hub.docker.com)",
        "      + ghcr.io (github-ghcr https://ghcr.io)",
        "      + quay.io (docker-registry https://quay.io)",
        "  projects    3 to create: would apply (3 projects)",
        "      + docker.io (proxies docker.io)",
        "      + github (proxies ghcr.io)",
        "      + quay.io (proxies quay.io)",
        "dry run: 6 changes pending; nothing was sent",
        "",
      ].join("\n"),
    );
    expect(dry.status).toBe(3);
    expect(server.writes()).toEqual([]);

    const first = await regfence(["apply", "harbor"], env);
    expect(first.stderr).toBe("");
    expect(first.stdout).toContain("  registries  3 to create: applied, confirmed (3 endpoints)\n");
    expect(first.stdout).toContain("  projects    3 to create: applied, confirmed (3 projects)\n");
    expect(first.stdout).toContain("applied 6 changes, confirmed by reading Harbor back\n");
    expect(first.status).toBe(0);
    expect(server.writes()).toEqual(["POST /api/v2.0/registries", "POST /api/v2.0/registries", "POST /api/v2.0/registries", "POST /api/v2.0/projects", "POST /api/v2.0/projects", "POST /api/v2.0/projects"]);
    // The upstream credential reached Harbor, read from the environment only now.
    expect(server.registries.map(({ name, type, url, credential }) => ({ name, type, url, access_key: credential.access_key, access_secret: credential.access_secret }))).toEqual([
      { name: "docker.io", type: "docker-hub", url: "https://hub.docker.com", access_key: "", access_secret: "" },
      { name: "ghcr.io", type: "github-ghcr", url: "https://ghcr.io", access_key: "octocat", access_secret: "ghp_upstreamtoken" },
      { name: "quay.io", type: "docker-registry", url: "https://quay.io", access_key: "", access_secret: "" },
    ]);
    const endpoint = (name: string) => server.registries.find((registry) => registry.name === name)?.id;
    expect(server.projects.filter(({ name }) => name !== "library").map(({ name, registry_id, metadata }) => ({ name, registry_id, metadata }))).toEqual([
      { name: "docker.io", registry_id: endpoint("docker.io"), metadata: { public: "false", proxy_speed_kb: "10240" } },
      { name: "github", registry_id: endpoint("ghcr.io"), metadata: { public: "false", proxy_speed_kb: "10240" } },
      { name: "quay.io", registry_id: endpoint("quay.io"), metadata: { public: "false", proxy_speed_kb: "10240" } },
    ]);

    const requestsBefore = server.requests.length;
    const second = await regfence(["apply", "harbor"], env);
    expect(second.stdout).toBe(
      [`harbor.myco.com (${server.url})`, "  registries  in sync (3 endpoints)", "  projects    in sync (3 projects)", "nothing to do: Harbor matches the policies", ""].join("\n"),
    );
    expect(second.status).toBe(0);
    expect(server.writes()).toHaveLength(6);
    // In sync: one call for the version and one listing per resource type, none per project.
    const secondRun = server.requests.slice(requestsBefore).map(({ method, path: url }) => `${method} ${url}`);
    expect(secondRun).toEqual(["GET /api/v2.0/systeminfo", "GET /api/v2.0/registries?page=1&page_size=100", "GET /api/v2.0/projects?page=1&page_size=100"]);
    expect([dry, first, second].flatMap(secretsIn)).toEqual([]);
    expect(server.violations).toEqual([]);
  });

  it("a drifted Harbor: only what differs is changed; an empty project bound elsewhere is created again", async () => {
    const server = await harbor({
      registries: [
        { name: "docker.io", type: "docker-hub", url: "https://hub.docker.com", insecure: false, description: "regfence: docker.io behind the proxy cache harbor.myco.com" },
        { name: "quay.io", type: "docker-registry", url: "https://quay.example.net", insecure: true, description: "hand-made" },
        { name: "ghcr.io", type: "github-ghcr", url: "https://ghcr.io", insecure: false, description: "regfence: ghcr.io behind the proxy cache harbor.myco.com" },
      ],
      projects: [
        { name: "docker.io", registry: "docker.io", metadata: { public: "true", proxy_speed_kb: "10240" }, repo_count: 12 },
        { name: "github", registry: "quay.io" },
        { name: "quay.io", registry: "quay.io", metadata: { public: "false", proxy_speed_kb: "10240" } },
      ],
    });
    const regfence = await compiled(server.url);
    const env = { ...admin, ...upstreamSecrets };
    const dry = await regfence(["apply", "harbor", "--dry-run", "--format", "json"], env);
    expect(dry.status).toBe(3);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      ok: true,
      changesPending: true,
      items: [
        {
          proxy: "harbor.myco.com",
          parts: [
            { part: "registries", action: "pending", changes: ["~ quay.io: url, description, insecure"] },
            { part: "projects", action: "pending", changes: ["~ github: empty, bound to another registry, created again for ghcr.io", "~ docker.io: public false"] },
          ],
        },
      ],
    });

    const applied = await regfence(["apply", "harbor"], env);
    expect(applied.stderr).toBe("");
    expect(applied.status).toBe(0);
    const id = server.registries.find(({ name }) => name === "quay.io")?.id;
    expect(server.writes()).toEqual([`PUT /api/v2.0/registries/${id}`, "DELETE /api/v2.0/projects/github", "POST /api/v2.0/projects", "PUT /api/v2.0/projects/docker.io"]);
    expect(server.registries.find(({ name }) => name === "quay.io")).toMatchObject({ url: "https://quay.io", insecure: false });
    expect(server.projects.find(({ name }) => name === "github")?.registry_id).toBe(server.registries.find(({ name }) => name === "ghcr.io")?.id);
    expect(server.projects.find(({ name }) => name === "docker.io")).toMatchObject({ repo_count: 12, metadata: { public: "false" } });
    expect(server.violations).toEqual([]);
  });

  it("a project bound elsewhere that holds images is never deleted: exit 1, named, and the rest still converges", async () => {
    const server = await harbor({ projects: [{ name: "github", registry: undefined, repo_count: 3 }] });
    const regfence = await compiled(server.url);
    const result = await regfence(["apply", "harbor"], { ...admin, ...upstreamSecrets });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `regfence: proxy "harbor.myco.com" (${server.url}): project github proxies no registry (not a proxy cache), not ghcr.io, and holds 3 repositories: not changed (empty it to let apply rebind it)`,
    );
    expect(server.writes().filter((write) => write.startsWith("DELETE"))).toEqual([]);
    expect(server.projects.map(({ name }) => name)).toEqual(["library", "github", "docker.io", "quay.io"]);
    expect(server.violations).toEqual([]);
  });

  it("finds what exists past the first page of a large Harbor", async () => {
    const others = Array.from({ length: 150 }, (_, index) => ({ name: `team-${String(index).padStart(3, "0")}` }));
    const server = await harbor({
      registries: [{ name: "docker.io", type: "docker-hub", url: "https://hub.docker.com", insecure: false, description: "regfence: docker.io behind the proxy cache harbor.myco.com" }],
      projects: [...others, { name: "docker.io", registry: "docker.io", metadata: { public: "false", proxy_speed_kb: "10240" } }],
    });
    const regfence = await compiled(server.url);
    const result = await regfence(["apply", "harbor"], { ...admin, ...upstreamSecrets });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(server.requests.filter(({ method, path: url }) => method === "GET" && url.startsWith("/api/v2.0/projects?")).map(({ path: url }) => url)).toContain(
      "/api/v2.0/projects?page=2&page_size=100",
    );
    expect(server.writes()).toEqual(["POST /api/v2.0/registries", "POST /api/v2.0/registries", "POST /api/v2.0/projects", "POST /api/v2.0/projects"]);
    expect(server.violations).toEqual([]);
  });

  it("retries a Harbor that answers 503 for a moment", async () => {
    const server = await harbor({ unavailable: 2 });
    const regfence = await compiled(server.url);
    const result = await regfence(["apply", "harbor"], { ...admin, ...upstreamSecrets });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(server.requests.slice(0, 3).map(({ status }) => status)).toEqual([503, 503, 200]);
  });

  it("a wrong password is a 401 naming the proxy cache and URL, with a hint, and nothing is sent", async () => {
    const server = await harbor();
    const regfence = await compiled(server.url);
    const result = await regfence(["apply", "harbor"], { ...admin, HARBOR_PASSWORD: "not-the-password", ...upstreamSecrets });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      [
        `regfence: proxy "harbor.myco.com" (${server.url}): GET ${server.url}/api/v2.0/systeminfo: HTTP 401: UNAUTHORIZED unauthorized`,
        "  hint: check HARBOR_USERNAME and HARBOR_PASSWORD",
        "✖ 1 of 1 proxy failed; only what is shown as confirmed was applied",
        "",
      ].join("\n"),
    );
    expect(`${result.stdout}${result.stderr}`).not.toContain("not-the-password");
    expect(server.writes()).toEqual([]);
  });

  it("an unreachable Harbor: the dry run says it could not read, never that nothing would change", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const regfence = await compiled(url);
    const result = await regfence(["apply", "harbor", "--dry-run"], { ...admin });
    expect(result.status).toBe(1);
    expect(result.stdout).not.toContain("nothing would change");
    expect(result.stdout).toContain("dry run: incomplete, 1 of 1 proxy cache could not be read; nothing was sent");
    expect(result.stderr).toContain(`GET ${url}/api/v2.0/systeminfo: cannot reach Harbor (ECONNREFUSED)`);
    expect(result.stderr).toContain(`hint: check the proxy cache's api (${url}) and the network path to it`);
  });

  it("a Harbor older than a setting the policy uses: nothing is changed", async () => {
    const server = await harbor({ version: "v2.11.2-5c8e9a3b" });
    const regfence = await compiled(server.url);
    const result = await regfence(["apply", "harbor"], { ...admin, ...upstreamSecrets });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Harbor v2.11.2-5c8e9a3b lacks proxy_speed_kb (Harbor 2.12), which the policy sets: nothing changed");
    expect(server.writes()).toEqual([]);
  });

  it("an upstream secret that is not set stops the run before anything is sent", async () => {
    const server = await harbor();
    const regfence = await compiled(server.url);
    const result = await regfence(["apply", "harbor"], { ...admin, GHCR_USER: "octocat" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("environment variable GHCR_TOKEN is not set");
    expect(server.writes()).toEqual([]);
  });

  it("an update Harbor answers but does not keep is reported not confirmed, exit 1", async () => {
    const server = await harbor({
      dropProjectUpdates: true,
      registries: [
        { name: "docker.io", type: "docker-hub", url: "https://hub.docker.com", insecure: false, description: "regfence: docker.io behind the proxy cache harbor.myco.com" },
        { name: "quay.io", type: "docker-registry", url: "https://quay.io", insecure: false, description: "regfence: quay.io behind the proxy cache harbor.myco.com" },
        { name: "ghcr.io", type: "github-ghcr", url: "https://ghcr.io", insecure: false, description: "regfence: ghcr.io behind the proxy cache harbor.myco.com" },
      ],
      projects: [
        { name: "docker.io", registry: "docker.io", metadata: { public: "false", proxy_speed_kb: "10240" } },
        { name: "github", registry: "ghcr.io", metadata: { public: "false", proxy_speed_kb: "10240" } },
        { name: "quay.io", registry: "quay.io", metadata: { public: "false", proxy_speed_kb: "512" } },
      ],
    });
    const regfence = await compiled(server.url);
    const result = await regfence(["apply", "harbor"], { ...admin, ...upstreamSecrets });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain("  projects    1 to update: applied, not confirmed (3 projects)\n");
    expect(result.stderr).toContain("reading Harbor back still shows 1 difference(s): not confirmed");
  });

  it("the pull robot: created after its projects, given the pull credential's password as its secret, and in sync on the next run", async () => {
    const server = await harbor();
    const regfence = await compiled(server.url, true);
    const env = { ...admin, ...upstreamSecrets, ...robotSecrets };
    const dry = await regfence(["apply", "harbor", "--dry-run"], env);
    expect(dry.status).toBe(3);
    expect(dry.stdout).toContain(
      ["  robot       1 to create: would apply (robot kube-pull)", "      + kube-pull (system robot pulling from 3 projects; secret: credential harbor-pull's password)", ""].join("\n"),
    );
    const first = await regfence(["apply", "harbor"], env);
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.stdout).toContain("  robot       1 to create: applied, confirmed (robot kube-pull)\n");
    const robot = server.robots[0];
    expect(server.writes().slice(-2)).toEqual(["POST /api/v2.0/robots", `PATCH /api/v2.0/robots/${robot?.id}`]);
    expect(robot).toMatchObject({
      name: "robot$kube-pull",
      level: "system",
      duration: -1,
      secret: "Pull3dThroughHarbor",
      permissions: ["docker.io", "github", "quay.io"].map((namespace) => ({ kind: "project", namespace, access: [{ resource: "repository", action: "pull" }] })),
    });
    const second = await regfence(["apply", "harbor"], env);
    expect(second.stdout).toContain("  robot       in sync (robot kube-pull)\n");
    expect(second.stdout).toContain("nothing to do: Harbor matches the policies\n");
    expect(server.writes()).toHaveLength(8);
    expect([dry, first, second].flatMap(secretsIn)).toEqual([]);
    expect(server.violations).toEqual([]);
  });

  it("a robot whose secret or permissions drifted is updated and its secret set again", async () => {
    const pull = (namespace: string) => ({ kind: "project", namespace, access: [{ resource: "repository", action: "pull" }] });
    const server = await harbor({
      projects: [{ name: "docker.io" }, { name: "quay.io" }, { name: "github" }],
      robots: [{ name: "kube-pull", description: "hand-made", level: "system", duration: -1, disable: false, permissions: [pull("docker.io")], secret: "Rotated0ByHand" }],
    });
    const regfence = await compiled(server.url, true);
    const result = await regfence(["apply", "harbor", "--dry-run"], { ...admin, ...upstreamSecrets, ...robotSecrets });
    expect(result.stdout).toContain(
      [
        "  robot       2 to update: would apply (robot kube-pull)",
        "      ~ robot$kube-pull: permissions, description",
        "      ~ robot$kube-pull: secret is not credential harbor-pull's password",
        "",
      ].join("\n"),
    );
    const applied = await regfence(["apply", "harbor", "--proxy", "harbor.myco.com"], { ...admin, ...upstreamSecrets, ...robotSecrets });
    expect(applied.stderr).toBe("");
    expect(applied.status).toBe(0);
    const id = server.robots[0]?.id;
    expect(server.writes().filter((write) => write.includes("robots"))).toEqual([`PUT /api/v2.0/robots/${id}`, `PATCH /api/v2.0/robots/${id}`]);
    expect(server.robots[0]).toMatchObject({ secret: "Pull3dThroughHarbor", permissions: [pull("docker.io"), pull("github"), pull("quay.io")] });
    expect(server.violations).toEqual([]);
  });

  it.each([
    ["a password Harbor refuses as a robot secret", { ...robotSecrets, HARBOR_ROBOT_TOKEN: "short" }, "the password of credential harbor-pull (environment variable HARBOR_ROBOT_TOKEN) is not a robot secret Harbor accepts"],
    ["no password at all", { HARBOR_ROBOT_USER: "robot$kube-pull" }, "environment variable HARBOR_ROBOT_TOKEN is not set"],
  ])("%s: exit 1 before anything is sent, the value never shown", async (_, robotEnv, message) => {
    const server = await harbor();
    const regfence = await compiled(server.url, true);
    const result = await regfence(["apply", "harbor"], { ...admin, ...upstreamSecrets, ...robotEnv });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain('"short"');
    expect(server.writes()).toEqual([]);
  });

  it("a credential whose username is not the robot's login name is refused", async () => {
    const server = await harbor({ robots: [{ name: "kube-pull", description: "", level: "system", duration: -1, disable: false, permissions: [], secret: "Pull3dThroughHarbor" }] });
    const regfence = await compiled(server.url, true);
    const result = await regfence(["apply", "harbor"], { ...admin, ...upstreamSecrets, ...robotSecrets, HARBOR_ROBOT_USER: "kube-pull" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("the robot logs in as robot$kube-pull, but credential harbor-pull's username is not that: set it to robot$kube-pull");
    expect(server.writes()).toEqual([]);
  });

  it("a Harbor that keeps answering 503 is a clear error after the retries, with a hint", async () => {
    const server = await harbor({ unavailable: 100 });
    const regfence = await compiled(server.url);
    const result = await regfence(["apply", "harbor"], { ...admin, ...upstreamSecrets });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`GET ${server.url}/api/v2.0/systeminfo: HTTP 503: 49 bytes that are not Harbor's error JSON (gave up after 4 attempts)`);
    expect(result.stderr).toContain("hint: Harbor, or a proxy in front of it, is failing or busy: run apply again later");
    expect(server.requests).toHaveLength(4);
  });

  it.each([
    ["no credentials", {}, "missing Harbor credentials: set HARBOR_USERNAME and HARBOR_PASSWORD"],
    ["no password", { HARBOR_USERNAME: "admin" }, "missing Harbor credentials: set HARBOR_PASSWORD"],
  ])("%s: exit 2 before any request", async (_, env, message) => {
    const server = await harbor();
    const regfence = await compiled(server.url);
    const result = await regfence(["apply", "harbor"], env);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(server.requests).toEqual([]);
  });
});
