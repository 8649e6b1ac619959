import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, createProject, positionOf, removeProjects, repoRoot, type TempProject } from "../../helpers/run-cli.ts";
import { closedPort, type FakeOvhApi, type FakeOvhOptions, startFakeOvhApi } from "./fake-ovh-api.ts";

/**
 * `regfence apply ovh` as a user runs it: the built CLI in a project of its own, against a local
 * OVH API that checks every signature. Needs `npm run build` first (as `npm test` does).
 */

const service = "0123456789abcdef0123456789abcdef";
const registryId = "3f8e2d4c-9b1a-4c6e-8d2f-7a5b3c1e9f04";
const key = `${service}/${registryId}`;
const credentials = { OVH_APPLICATION_KEY: "test-application-key", OVH_APPLICATION_SECRET: "test-application-secret", OVH_CONSUMER_KEY: "test-consumer-key" };
/** The caller's own OVH variables never leak into a run. */
const unset = { OVH_APPLICATION_KEY: undefined, OVH_APPLICATION_SECRET: undefined, OVH_CONSUMER_KEY: undefined, OVH_ENDPOINT: undefined };

function policy(management: string, registryList: string): string {
  return `import { definePolicy, network, ovhRegistry } from "regfence";

const production = network("production", [{ cidr: "192.0.2.0/24", description: "production environment" }]);
const qa = network("qa", [{ cidr: "192.0.1.0/24", description: "Q/A environment" }]);

export default definePolicy({
  name: "registries",
  registries: [
    ovhRegistry("mpr-prod", {
      serviceName: "${service}",
      registryId: "${registryId}",
      endpoint: "ovh-eu",
      management: ${management},
      registry: ${registryList},
    }),
  ],
});
`;
}

async function project(source: string): Promise<TempProject> {
  return createProject({ "policies/registries.policy.ts": source, ".regfencerc.json": JSON.stringify({ targets: ["ovh"] }) });
}

function regfence(target: TempProject, args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return target.run(args, { ...unset, ...env });
}

const servers = new Set<FakeOvhApi>();

/** A fake API of its own for each test (tests run concurrently), all closed at the end. */
async function api(overrides: Partial<FakeOvhOptions> = {}): Promise<FakeOvhApi> {
  const server = await startFakeOvhApi({
    applicationKey: credentials.OVH_APPLICATION_KEY,
    applicationSecret: credentials.OVH_APPLICATION_SECRET,
    consumerKey: credentials.OVH_CONSUMER_KEY,
    registries: {
      [key]: {
        management: [{ ipBlock: "192.0.2.0/24", description: "production environment" }],
        registry: [{ ipBlock: "198.51.100.0/24", description: "old office" }],
      },
    },
    ...overrides,
  });
  servers.add(server);
  return server;
}

const puts = (server: FakeOvhApi) => server.requests.filter(({ method }) => method === "PUT");
const lists = (server: FakeOvhApi) => ({
  management: server.list(key, "management").map(({ ipBlock, description }) => ({ ipBlock, description })),
  registry: server.list(key, "registry").map(({ ipBlock, description }) => ({ ipBlock, description })),
});

let compiled: TempProject;
beforeAll(async () => {
  if (!existsSync(path.join(repoRoot, "dist", "cli", "apply.js"))) throw new Error("dist/ has no apply command: run `npm run build` first");
  compiled = await project(policy("[production]", "[qa]"));
  const result = await regfence(compiled, ["compile"]);
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
});
afterAll(async () => {
  await Promise.all([...servers].map((server) => server.close()));
  await removeProjects();
});

describe.concurrent("regfence apply ovh", () => {
  it("--dry-run prints the difference, sends no PUT and exits 3 (changes pending)", async () => {
    const server = await api();
    const before = lists(server);
    const result = await regfence(compiled, ["apply", "ovh", "--dry-run"], { ...credentials, OVH_ENDPOINT: server.base });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(
      [
        `mpr-prod (ovh-eu, ${server.base})`,
        "  management  in sync (1 entry)",
        "  registry    1 to add, 1 to remove: would PUT (1 entry)",
        '      + 192.0.1.0/24 "Q/A environment"',
        '      - 198.51.100.0/24 "old office"',
        "dry run: 1 list would be replaced; nothing was sent",
        "",
      ].join("\n"),
    );
    expect(result.status).toBe(3);
    expect(puts(server)).toEqual([]);
    expect(lists(server)).toEqual(before);
  });

  it("--dry-run --format json prints the plan as one document, exit 3; in sync it exits 0", async () => {
    const server = await api();
    const env = { ...credentials, OVH_ENDPOINT: server.base };
    const result = await regfence(compiled, ["apply", "ovh", "--dry-run", "--format", "json"], env);
    expect(result.status).toBe(3);
    const document = JSON.parse(result.stdout) as { ok: boolean; changesPending: boolean; items: { registry: string; parts: { list: string; action: string; add: unknown[]; remove: unknown[] }[] }[] };
    expect(document).toMatchObject({ ok: true, dryRun: true, changesPending: true, items: [{ registry: "mpr-prod", endpoint: "ovh-eu" }] });
    expect(document.items[0]?.parts.map(({ list, action, add, remove }) => ({ list, action, add, remove }))).toEqual([
      { list: "management", action: "in-sync", add: [], remove: [] },
      { list: "registry", action: "would-put", add: [{ ipBlock: "192.0.1.0/24", description: "Q/A environment" }], remove: [{ ipBlock: "198.51.100.0/24", description: "old office" }] },
    ]);
    expect(puts(server)).toEqual([]);
    expect((await regfence(compiled, ["apply", "ovh"], env)).status).toBe(0);
    const synced = await regfence(compiled, ["apply", "ovh", "--dry-run", "--format", "json"], env);
    expect(synced.status).toBe(0);
    expect(JSON.parse(synced.stdout)).toMatchObject({ ok: true, changesPending: false });
  });

  it("--dry-run that cannot read the live lists fails with exit 1 and never says nothing would change (audit D2)", async () => {
    const port = await closedPort();
    const result = await regfence(compiled, ["apply", "ovh", "--dry-run"], { ...credentials, OVH_ENDPOINT: `http://127.0.0.1:${port}/1.0` });
    expect(result.status).toBe(1);
    expect(result.stdout).not.toContain("nothing would change");
    expect(result.stdout).toContain("dry run: incomplete, 1 of 1 registry could not be read; nothing was sent");
    expect(result.stderr).toContain("cannot reach the API");
  });

  it("replaces only the list that differs, confirms it, and a second apply sends no PUT", async () => {
    const server = await api();
    const env = { ...credentials, OVH_ENDPOINT: server.base };
    const first = await regfence(compiled, ["apply", "ovh"], env);
    expect(first.stderr).toBe("");
    expect(first.stdout).toContain("  registry    1 to add, 1 to remove: PUT, confirmed (1 entry)");
    expect(first.stdout).toContain("applied 1 list, each confirmed by reading it back; IP restrictions take about 30 s to propagate");
    expect(first.status).toBe(0);
    expect(puts(server).map(({ path: request, body }) => ({ request, body }))).toEqual([
      { request: `/1.0/cloud/project/${service}/containerRegistry/${registryId}/ipRestrictions/registry`, body: '[{"description":"Q/A environment","ipBlock":"192.0.1.0/24"}]' },
    ]);
    expect(lists(server)).toEqual({
      management: [{ ipBlock: "192.0.2.0/24", description: "production environment" }],
      registry: [{ ipBlock: "192.0.1.0/24", description: "Q/A environment" }],
    });

    const second = await regfence(compiled, ["apply", "ovh"], env);
    expect(second.stdout).toBe(
      [`mpr-prod (ovh-eu, ${server.base})`, "  management  in sync (1 entry)", "  registry    in sync (1 entry)", "nothing to do: every list matches the policies", ""].join("\n"),
    );
    expect(second.status).toBe(0);
    expect(puts(server)).toHaveLength(1);
  });

  it("a wrong secret is a clear 403 naming the registry and endpoint, and nothing is reported applied", async () => {
    const server = await api();
    const result = await regfence(compiled, ["apply", "ovh"], { ...credentials, OVH_APPLICATION_SECRET: "not-the-secret", OVH_ENDPOINT: server.base });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      [
        `regfence: registry "mpr-prod" (ovh-eu, ${server.base}): GET ${server.base}/cloud/project/${service}/containerRegistry/${registryId}/ipRestrictions/management: HTTP 403: Invalid signature`,
        "  hint: check OVH_APPLICATION_KEY, OVH_APPLICATION_SECRET and OVH_CONSUMER_KEY (issued for ovh-eu), and that the consumer key is granted GET and PUT on /cloud/project/*/containerRegistry/*/ipRestrictions/*",
        "✖ 1 of 1 registry failed; only what is shown as confirmed was applied",
        "",
      ].join("\n"),
    );
    expect(result.stdout).not.toContain("applied");
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/not-the-secret|test-consumer-key|test-application-secret/);
    expect(puts(server)).toEqual([]);
  });

  it("an unreachable endpoint is a clear error naming the registry and URL", async () => {
    const port = await closedPort();
    const base = `http://127.0.0.1:${port}/1.0`;
    const result = await regfence(compiled, ["apply", "ovh"], { ...credentials, OVH_ENDPOINT: base });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`regfence: registry "mpr-prod" (ovh-eu, ${base}): GET ${base}/auth/time: cannot reach the API (connect ECONNREFUSED 127.0.0.1:${port})`);
    expect(result.stderr).toContain(`hint: check OVH_ENDPOINT (requests went to ${base}) and the network path to it`);
    expect(result.stdout).not.toContain("applied");
  });

  it("a registry the API does not know is a 404 with a hint at its ids", async () => {
    const server = await api({ registries: {} });
    const result = await regfence(compiled, ["apply", "ovh", "--registry", "mpr-prod"], { ...credentials, OVH_ENDPOINT: server.base });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`/ipRestrictions/management: HTTP 404: The requested object (registryID = ${registryId}) does not exist`);
    expect(result.stderr).toContain(`hint: check serviceName "${service}" and registryId "${registryId}" of "mpr-prod", and that the project is on ovh-eu`);
  });

  it.each([
    ["missing credentials", {}, /^regfence: missing OVH API credentials: set OVH_APPLICATION_KEY, OVH_APPLICATION_SECRET, OVH_CONSUMER_KEY \(/],
    ["a partly set environment", { OVH_APPLICATION_KEY: "k" }, /^regfence: missing OVH API credentials: set OVH_APPLICATION_SECRET, OVH_CONSUMER_KEY \(/],
    ["an endpoint other than the declared one", { ...credentials, OVH_ENDPOINT: "ovh-ca" }, /mpr-prod: OVH_ENDPOINT is ovh-ca but the policy declares ovh-eu/],
    ["an unknown endpoint name", { ...credentials, OVH_ENDPOINT: "kimsufi-eu" }, /OVH_ENDPOINT "kimsufi-eu" is neither ovh-eu, ovh-ca, ovh-us nor a URL/],
    ["plain http to a remote host", { ...credentials, OVH_ENDPOINT: "http://api.example.com/1.0" }, /must use https \(plain http only to a loopback address\)/],
  ])("exits 2 on %s, before any request", async (_name, env, message) => {
    const result = await regfence(compiled, ["apply", "ovh"], env);
    expect(result.stderr).toMatch(message);
    expect(result.status).toBe(2);
  });

  it("with no OVH registry in the policies, needs no credentials (audit D13)", async () => {
    const empty = await createProject({ "policies/hosts.policy.ts": 'import { containerHost, definePolicy } from "regfence";\nexport default definePolicy({ name: "hosts", containerHosts: [containerHost("vch1", { whitelist: ["registry.example.com"] })] });\n' });
    const result = await regfence(empty, ["apply", "ovh", "--dry-run"]);
    expect(result.stdout).toBe("no OVH registries in the policies: nothing to apply\n");
    expect(result.status).toBe(0);
  });

  it.each([
    [["apply"], "regfence: name the target to apply: regfence apply <target> (harbor, ovh)"],
    [["apply", "acr"], 'regfence: cannot apply "acr": the targets applied through an API are harbor, ovh'],
    [["apply", "ovh", "--registry", "nope"], 'regfence: unknown OVH registry "nope" (known: mpr-prod)'],
  ])("exits 2 on bad usage: %j", async (args, message) => {
    const result = await regfence(compiled, args, credentials);
    expect(result.stderr).toContain(message);
    expect(result.status).toBe(2);
  });

  it("refuses to apply when out/ovh is not what the policies compile to", async () => {
    const directory = await project(policy("[production]", "[qa]"));
    expect((await regfence(directory, ["compile"])).status).toBe(0);
    await directory.write({ "policies/registries.policy.ts": policy("[production, qa]", "[qa]") });
    const server = await api();
    const result = await regfence(directory, ["apply", "ovh"], { ...credentials, OVH_ENDPOINT: server.base });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      [
        "nothing applied: out/ovh is not what the policies compile to, so it is not what was reviewed:",
        "  stale   out/ovh/mpr-prod/management.json",
        "  stale   out/ovh/mpr-prod/plan.json",
        "Run `regfence compile`, review and commit the change, then apply.",
        "",
      ].join("\n"),
    );
    expect(server.requests).toEqual([]);
  });

  it("an empty list is refused at compile time (RF5001), by compile and by apply, every one reported", async () => {
    const source = policy("[]", "[]");
    const directory = await project(source);
    const file = "policies/registries.policy.ts";
    const expected = [
      `${positionOf(file, source, "[]", 1)} error RF5001 the management list of OVH registry "mpr-prod" is empty, which OVH reads as "no restriction": anyone could reach it`,
      'hint: list the networks allowed, or write `management: "open"` to leave the endpoint open on purpose',
      `${positionOf(file, source, "[]", 2)} error RF5001 the registry list of OVH registry "mpr-prod" is empty, which OVH reads as "no restriction": anyone could reach it`,
      'hint: list the networks allowed, or write `registry: "open"` to leave the endpoint open on purpose',
      "✖ 2 errors",
    ];
    const compile = await regfence(directory, ["compile"]);
    expect(compile.status).toBe(1);
    for (const line of [...expected, "nothing written to out"]) expect(compile.stderr).toContain(line);
    expect(existsSync(directory.path("out"))).toBe(false);

    const server = await api();
    const apply = await regfence(directory, ["apply", "ovh"], { ...credentials, OVH_ENDPOINT: server.base });
    expect(apply.status).toBe(1);
    for (const line of [...expected, "nothing applied: fix the policy errors first"]) expect(apply.stderr).toContain(line);
    expect(apply.stdout).toBe("");
    expect(server.requests).toEqual([]);
  });

  it("a serviceName or registryId that is not an OVH id is refused at its literal (RF5003, RF5004), and nothing is sent", async () => {
    const source = policy("[production]", "[qa]").replace(`"${service}"`, '".."').replace(`"${registryId}"`, '"reg"');
    const directory = await project(source);
    const file = "policies/registries.policy.ts";
    const server = await api();
    const apply = await regfence(directory, ["apply", "ovh"], { ...credentials, OVH_ENDPOINT: server.base });
    expect(apply.status).toBe(1);
    for (const line of [
      `${positionOf(file, source, '".."')} error RF5003 serviceName ".." of OVH registry "mpr-prod" is not a Public Cloud project id (32 lowercase hexadecimal digits)`,
      `${positionOf(file, source, '"reg"')} error RF5004 registryId "reg" of OVH registry "mpr-prod" is not a registry id (a UUID such as 3f8e2d4c-9b1a-4c6e-8d2f-7a5b3c1e9f04)`,
      "nothing applied: fix the policy errors first",
    ]) {
      expect(apply.stderr).toContain(line);
    }
    expect(server.requests).toEqual([]);
  });

  it('a list declared "open" is applied as an empty array, with its body sent and signed', async () => {
    const directory = await project(policy("[production]", '"open"'));
    expect((await regfence(directory, ["compile"])).status).toBe(0);
    const server = await api();
    const result = await regfence(directory, ["apply", "ovh"], { ...credentials, OVH_ENDPOINT: server.base });
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("  registry    0 to add, 1 to remove: PUT, confirmed (0 entries)");
    expect(result.status).toBe(0);
    expect(puts(server).map(({ body, status }) => ({ body, status }))).toEqual([{ body: "[]", status: 200 }]);
    expect(lists(server).registry).toEqual([]);
  });
});
