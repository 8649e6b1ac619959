/**
 * `regfence plan` for OVH, in process: both lists of a registry read from saved GET answers or from
 * the live API (the stand-in that checks every signature), compared with the compiled payloads.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { definePolicy, network, ovhRegistry } from "../../../src/dsl/index.ts";
import type { AppliedItem } from "../../../src/targets/target-apply.ts";
import type { DriftReport } from "../../../src/targets/target-state.ts";
import { ovhState } from "../../../src/targets/ovh/plan-ovh.ts";
import { programOf } from "../../helpers/program.ts";
import { startFakeOvhApi } from "./fake-ovh-api.ts";

const serviceName = "0123456789abcdef0123456789abcdef";
const registryId = "3f8e2d4c-9b1a-4c6e-8d2f-7a5b3c1e9f04";
const production = network("production", [{ cidr: "192.0.2.0/24", description: "production environment" }]);
const office = network("office", [{ cidr: "198.51.100.7", description: "office" }]);
const { program } = programOf(
  definePolicy({ name: "p", networks: [production, office], registries: [ovhRegistry("mpr-prod", { serviceName, registryId, endpoint: "ovh-eu", management: [production, office], registry: [production] })] }),
);

const roots: string[] = [];
afterAll(async () => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));

/** A --from directory holding these files under ovh/, and `plan` run against it. */
async function planSaved(files: Readonly<Record<string, string>>): Promise<DriftReport> {
  const root = await mkdtemp(path.join(tmpdir(), "regfence-plan-ovh-"));
  roots.push(root);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, "ovh", name)), { recursive: true });
    await writeFile(path.join(root, "ovh", name), text);
  }
  return ovhState.read({ program, options: { endpoint: "ovh-eu" }, artifacts: [], source: { kind: "saved", dir: path.join(root, "ovh"), shown: "state/ovh" } });
}

const answer = (entries: readonly { ipBlock: string; description: string }[]) =>
  JSON.stringify(entries.map((entry, index) => ({ ...entry, createdAt: `2024-02-0${index + 1}T10:00:00Z`, updatedAt: `2024-02-0${index + 1}T10:00:00Z` })), null, 2);
const inSync = {
  // The server's order, a bare address and dates do not count.
  "mpr-prod/management.json": answer([{ ipBlock: "198.51.100.7", description: "office" }, { ipBlock: "192.0.2.0/24", description: "production environment" }]),
  "mpr-prod/registry.json": answer([{ ipBlock: "192.0.2.0/24", description: "production environment" }]),
};
const outcomes = (item: AppliedItem | undefined) => item?.parts.map(({ part, action, outcome, lines }) => ({ part, action, outcome, lines }));

describe("plan ovh from saved GET answers", () => {
  it("finds a registry whose lists hold what the policies compile to in sync", async () => {
    const report = await planSaved(inSync);
    expect(report.problems).toEqual([]);
    expect(report.items[0]?.failure).toBeUndefined();
    expect(report.items[0]?.where).toBe("ovh-eu, saved in state/ovh/mpr-prod");
    expect(outcomes(report.items[0])).toEqual([
      { part: "management", action: "in-sync", outcome: "in sync (2 entries)", lines: [] },
      { part: "registry", action: "in-sync", outcome: "in sync (1 entry)", lines: [] },
    ]);
  });

  it("shows what a PUT would add and remove, a changed description as one of each", async () => {
    const report = await planSaved({
      ...inSync,
      "mpr-prod/registry.json": answer([{ ipBlock: "192.0.2.0/24", description: "prod" }, { ipBlock: "203.0.113.0/24", description: "added in the portal" }]),
    });
    expect(outcomes(report.items[0])?.[1]).toEqual({
      part: "registry",
      action: "pending",
      outcome: "1 to add, 2 to remove: would PUT (1 entry)",
      lines: ['+ 192.0.2.0/24 "production environment"', '- 192.0.2.0/24 "prod"', '- 203.0.113.0/24 "added in the portal"'],
    });
  });

  it("never takes a missing file as an empty list", async () => {
    const report = await planSaved({ "mpr-prod/management.json": inSync["mpr-prod/management.json"] });
    expect(report.items[0]?.failure).toEqual({
      message: "no saved state: state/ovh/mpr-prod/registry.json does not exist: not compared",
      hint: "save the answer of GET /cloud/project/{serviceName}/containerRegistry/{registryId}/ipRestrictions/registry (a JSON array of { ipBlock, description }) there, or plan against the live state without --from",
    });
    expect(outcomes(report.items[0])?.map(({ part }) => part)).toEqual(["management"]);
  });

  it.each([
    ["truncated JSON", '[\n  { "ipBlock": "192.0.2.0/24",\n', { line: 3, column: 1 }, /^is not valid JSON or YAML/],
    ["another shape (an object)", '{\n  "ipRestrictions": []\n}\n', { line: 1, column: 1 }, /^expected array, received object; the file should hold the answer of GET/],
    ["a field of the wrong type", '[\n  { "ipBlock": "192.0.2.0/24", "description": "a" },\n  { "ipBlock": 3232235520 }\n]\n', { line: 3, column: 16 }, /^\[1\]\.ipBlock: expected string, received number/],
    ["a missing field", '[\n  { "description": "no block" }\n]\n', { line: 2, column: 3 }, /^\[0\]\.ipBlock: expected string, received undefined/],
    ["an empty file", "", { line: 0, column: 0 }, /^is empty/],
  ])("reports %s at the file, line and field, and compares nothing", async (_, text, at, message) => {
    const report = await planSaved({ ...inSync, "mpr-prod/registry.json": text });
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatchObject({ file: "state/ovh/mpr-prod/registry.json", ...at });
    expect(report.problems[0]?.message).toMatch(message);
    expect(report.items[0]?.failure?.message).toBe("the saved state is not what regfence reads (one problem in state/ovh/mpr-prod/registry.json): not compared");
  });
});

describe("plan ovh live", () => {
  it("reads as `apply ovh --dry-run` does and agrees with the same state saved", async () => {
    const credentials = { applicationKey: "ak", applicationSecret: "as", consumerKey: "ck" };
    const server = await startFakeOvhApi({
      ...credentials,
      registries: { [`${serviceName}/${registryId}`]: { management: [{ ipBlock: "192.0.2.0/24", description: "production environment" }], registry: [{ ipBlock: "192.0.2.0/24", description: "production environment" }] } },
    });
    try {
      const environment = { OVH_APPLICATION_KEY: "ak", OVH_APPLICATION_SECRET: "as", OVH_CONSUMER_KEY: "ck", OVH_ENDPOINT: server.base };
      const live = await ovhState.read({ program, options: { endpoint: "ovh-eu" }, artifacts: [], source: { kind: "live", environment } });
      expect(server.requests.map(({ method }) => method).filter((method) => method !== "GET")).toEqual([]);
      const saved = await planSaved({
        "mpr-prod/management.json": JSON.stringify(server.list(`${serviceName}/${registryId}`, "management")),
        "mpr-prod/registry.json": JSON.stringify(server.list(`${serviceName}/${registryId}`, "registry")),
      });
      expect(outcomes(live.items[0])).toEqual(outcomes(saved.items[0]));
      expect(outcomes(live.items[0])?.[0]).toMatchObject({ action: "pending", lines: ['+ 198.51.100.7/32 "office"'] });
    } finally {
      await server.close();
    }
  });
});
