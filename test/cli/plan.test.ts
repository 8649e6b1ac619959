/**
 * `regfence plan` as CI and operators run it: the built CLI in a project of its own, reading saved
 * state with --from, or the live OVH stand-in, with each exit code and output format.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProject, removeProjects, type TempProject } from "../helpers/run-cli.ts";
import { startFakeOvhApi } from "../targets/ovh/fake-ovh-api.ts";

const service = "0123456789abcdef0123456789abcdef";
const registryId = "3f8e2d4c-9b1a-4c6e-8d2f-7a5b3c1e9f04";
const unset = { OVH_APPLICATION_KEY: undefined, OVH_APPLICATION_SECRET: undefined, OVH_CONSUMER_KEY: undefined, OVH_ENDPOINT: undefined };

const policy = `import { definePolicy, network, ovhRegistry } from "regfence";

const production = network("production", [{ cidr: "192.0.2.0/24", description: "production environment" }]);

export default definePolicy({
  name: "registries",
  registries: [
    ovhRegistry("mpr-prod", { serviceName: "${service}", registryId: "${registryId}", endpoint: "ovh-eu", management: [production], registry: [production] }),
  ],
});
`;
const entry = (ipBlock: string, description: string) => ({ ipBlock, description, createdAt: "2024-02-01T15:15:06Z", updatedAt: "2024-02-01T15:15:06Z" });
const inSync = JSON.stringify([entry("192.0.2.0/24", "production environment")], null, 2);

let project: TempProject;
beforeAll(async () => {
  project = await createProject({
    "policies/registries.policy.ts": policy,
    ".regfencerc.json": JSON.stringify({ targets: ["ovh", "vic"] }),
    "state/ovh/mpr-prod/management.json": inSync,
    "state/ovh/mpr-prod/registry.json": inSync,
    "drift/ovh/mpr-prod/management.json": inSync,
    "drift/ovh/mpr-prod/registry.json": JSON.stringify([entry("192.0.2.0/24", "production environment"), entry("203.0.113.0/24", "added in the portal")], null, 2),
    "broken/ovh/mpr-prod/management.json": inSync,
    "broken/ovh/mpr-prod/registry.json": '[\n  { "ipBlock": "192.0.2.0/24", "description": 7 }\n]\n',
  });
  // apply --dry-run, which the live plan is compared with, applies only what was compiled and reviewed.
  expect((await project.run(["compile", "--no-typecheck"])).status).toBe(0);
});
afterAll(removeProjects);

const plan = (args: readonly string[], env: Record<string, string | undefined> = {}) => project.run(["plan", "--no-typecheck", ...args], { ...unset, ...env });

describe("regfence plan", () => {
  it("exits 0 when the saved state matches the policies", async () => {
    const result = await plan(["--from", "state"]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(
      [
        "ovh",
        "  mpr-prod (ovh-eu, saved in state/ovh/mpr-prod)",
        "    management  in sync (1 entry)",
        "    registry    in sync (1 entry)",
        "plan: in sync: 1 compared, each matches the policies",
        "",
      ].join("\n"),
    );
    expect(result.status).toBe(0);
  });

  it("exits 3 with what apply would change, in every format", async () => {
    const pretty = await plan(["--from", "drift"]);
    expect(pretty.stdout).toContain('    registry    0 to add, 1 to remove: would PUT (1 entry)\n        - 203.0.113.0/24 "added in the portal"\n');
    expect(pretty.stdout).toContain("plan: changes pending for 1 of 1 (ovh mpr-prod)\n");
    expect(pretty.status).toBe(3);

    const json = await plan(["--from", "drift", "--format", "json"]);
    expect(json.status).toBe(3);
    const document = JSON.parse(json.stdout) as { ok: boolean; changesPending: boolean; from: string; targets: { target: string; source: string; items: { registry: string; parts: { list: string; action: string; remove: unknown[] }[] }[] }[] };
    expect(document).toMatchObject({ ok: true, changesPending: true, from: "drift" });
    expect(document.targets).toEqual([
      {
        target: "ovh",
        source: "saved",
        items: [
          expect.objectContaining({
            registry: "mpr-prod",
            parts: [
              expect.objectContaining({ list: "management", action: "in-sync" }),
              expect.objectContaining({ list: "registry", action: "would-put", remove: [{ description: "added in the portal", ipBlock: "203.0.113.0/24" }] }),
            ],
          }),
        ],
      },
    ]);

    const github = await plan(["--from", "drift", "--format", "github"]);
    expect(github.stdout).toContain('::warning title=regfence plan (ovh)::ovh mpr-prod registry: 0 to add, 1 to remove: would PUT (1 entry)%0A- 203.0.113.0/24 "added in the portal"\n');
    expect(github.status).toBe(3);
  });

  it("exits 1 on a saved file of the wrong shape, located at the field, and never says in sync", async () => {
    const pretty = await plan(["--from", "broken"]);
    expect(pretty.status).toBe(1);
    expect(pretty.stderr).toContain("broken/ovh/mpr-prod/registry.json:2:47 error RF1101 [0].description: expected string, received number; the file should hold the answer of GET");
    expect(pretty.stderr).toContain('regfence: registry "mpr-prod" (ovh-eu, saved in broken/ovh/mpr-prod): the saved state is not what regfence reads (one problem in broken/ovh/mpr-prod/registry.json): not compared');
    expect(pretty.stdout).toContain("plan: 1 of 1 could not be read, so whether it differs is unknown (ovh mpr-prod)\n");
    expect(pretty.stdout).not.toContain("in sync: ");

    const github = await plan(["--from", "broken", "--format", "github"]);
    expect(github.stdout).toContain("::error file=broken/ovh/mpr-prod/registry.json,line=2,col=47,title=regfence RF1101::[0].description: expected string");
    expect(github.status).toBe(1);
  });

  it("reads the live API as apply --dry-run does, changing nothing", async () => {
    const server = await startFakeOvhApi({
      applicationKey: "ak",
      applicationSecret: "as",
      consumerKey: "ck",
      registries: { [`${service}/${registryId}`]: { management: [{ ipBlock: "192.0.2.0/24", description: "production environment" }], registry: [] } },
    });
    try {
      const env = { OVH_APPLICATION_KEY: "ak", OVH_APPLICATION_SECRET: "as", OVH_CONSUMER_KEY: "ck", OVH_ENDPOINT: server.base };
      const result = await plan([], env);
      const dryRun = await project.run(["apply", "ovh", "--dry-run", "--no-typecheck"], { ...unset, ...env });
      expect(result.stdout).toContain(`  mpr-prod (ovh-eu, ${server.base})\n    management  in sync (1 entry)\n    registry    1 to add, 0 to remove: would PUT (1 entry)\n        + 192.0.2.0/24 "production environment"\n`);
      expect(dryRun.stdout).toContain(`mpr-prod (ovh-eu, ${server.base})\n  management  in sync (1 entry)\n  registry    1 to add, 0 to remove: would PUT (1 entry)\n      + 192.0.2.0/24 "production environment"\n`);
      expect([result.status, dryRun.status]).toEqual([3, 3]);
      expect(server.requests.filter(({ method }) => method === "PUT")).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it.each([
    [["--from", "nowhere"], "regfence: --from nowhere: no such directory\n"],
    [["--target", "nodes"], "regfence: plan cannot read the state of nodes: it reads"],
    [["extra"], 'regfence: unexpected argument "extra"'],
  ])("refuses %j with exit 2", async (args, message) => {
    const result = await plan(args);
    expect(result.stderr).toContain(message);
    expect(result.status).toBe(2);
  });

  it("needs the API credentials to read live, like apply", async () => {
    const result = await plan([]);
    expect(result.stderr).toContain("OVH_APPLICATION_KEY");
    expect(result.status).toBe(2);
  });
});
