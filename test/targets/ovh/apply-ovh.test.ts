import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { FatalError } from "../../../src/diagnostics/fatal-error.ts";
import { applyOvh, type DesiredRegistry } from "../../../src/targets/ovh/apply-ovh.ts";
import { parseEndpointSetting } from "../../../src/targets/ovh/ovh-endpoint.ts";
import { type FakeOvhApi, type FakeOvhOptions, startFakeOvhApi } from "./fake-ovh-api.ts";

/** The apply library against the local fake API: cases the CLI tests do not need to repeat. */

const credentials = { applicationKey: "ak", applicationSecret: "as", consumerKey: "ck" };
const production = { description: "production environment", ipBlock: "192.0.2.0/24" };
const qa = { description: "Q/A environment", ipBlock: "192.0.1.0/24" };

function registry(name: string, serviceName: string, registryId: string, management = [production], registryList = [qa]): DesiredRegistry {
  const path = (list: string): string => `/cloud/project/${serviceName}/containerRegistry/${registryId}/ipRestrictions/${list}`;
  return {
    name,
    endpoint: "ovh-eu",
    serviceName,
    registryId,
    lists: [
      { list: "management", path: path("management"), payload: management },
      { list: "registry", path: path("registry"), payload: registryList },
    ],
  };
}

const servers: FakeOvhApi[] = [];
async function api(registries: FakeOvhOptions["registries"], options: Partial<FakeOvhOptions> = {}): Promise<FakeOvhApi> {
  const server = await startFakeOvhApi({ applicationKey: "ak", applicationSecret: "as", consumerKey: "ck", registries, ...options });
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const empty = { management: [], registry: [] };

describe("applyOvh", () => {
  it("accepts a PUT answered 201 with null, and confirms by reading back", async () => {
    const server = await api({ "svc/reg": empty }, { putAnswer: "201-null" });
    const [outcome] = await applyOvh({ registries: [registry("a", "svc", "reg")], setting: parseEndpointSetting(server.base), credentials, dryRun: false });
    expect(outcome?.failure).toBeUndefined();
    expect(outcome?.lists.map(({ list, action }) => ({ list, action }))).toEqual([
      { list: "management", action: "confirmed" },
      { list: "registry", action: "confirmed" },
    ]);
    expect(server.requests.map(({ method, status }) => `${method} ${status}`)).toEqual(["GET 200", "GET 200", "GET 200", "PUT 201", "GET 200", "PUT 201", "GET 200"]);
  });

  it("does not report as applied a PUT the server accepted but did not store", async () => {
    const server = await api({ "svc/reg": empty }, { dropPuts: true });
    const [outcome] = await applyOvh({ registries: [registry("a", "svc", "reg")], setting: parseEndpointSetting(server.base), credentials, dryRun: false });
    expect(outcome?.lists.map(({ action }) => action)).toEqual(["sent", "would-put"]);
    expect(outcome?.failure).toEqual({
      message: `PUT ${server.base}/cloud/project/svc/containerRegistry/reg/ipRestrictions/management was accepted, but reading it back shows a different list (missing 192.0.2.0/24 "production environment"): not confirmed`,
      hint: "run apply again; if the list still differs, the API is not storing it",
    });
  });

  it("keeps going after a registry fails, reads the server time once per endpoint, and sends non-ASCII signed", async () => {
    const server = await api({ "svc/good": empty });
    const accented = { description: "équipe Q/A", ipBlock: "192.0.1.0/24" };
    const outcomes = await applyOvh({
      registries: [registry("missing", "svc", "nope"), registry("good", "svc", "good", [production], [accented])],
      setting: parseEndpointSetting(server.base),
      credentials,
      dryRun: false,
    });
    expect(outcomes.map(({ registry: { name }, failure }) => ({ name, failed: failure !== undefined }))).toEqual([
      { name: "missing", failed: true },
      { name: "good", failed: false },
    ]);
    expect(server.requests.filter(({ path }) => path === "/1.0/auth/time")).toHaveLength(1);
    expect(server.requests.find(({ method, path }) => method === "PUT" && path.endsWith("/registry"))?.body).toBe('[{"description":"\\u00e9quipe Q/A","ipBlock":"192.0.1.0/24"}]');
    expect(server.list("svc/good", "registry").map(({ description }) => description)).toEqual(["équipe Q/A"]);
  });

  it("asks for the server time again after a failure: one transient error fails only the registry it hit", async () => {
    const server = await api({ "svc/one": empty, "svc/two": empty }, { authTimeFailures: 1 });
    const outcomes = await applyOvh({
      registries: [registry("one", "svc", "one"), registry("two", "svc", "two")],
      setting: parseEndpointSetting(server.base),
      credentials,
      dryRun: false,
    });
    expect(outcomes.map(({ registry: { name }, failure }) => ({ name, failure: failure?.message }))).toEqual([
      { name: "one", failure: `GET ${server.base}/auth/time: HTTP 503: Service Unavailable` },
      { name: "two", failure: undefined },
    ]);
    expect(server.requests.filter(({ path }) => path === "/1.0/auth/time").map(({ status }) => status)).toEqual([503, 200]);
    expect(server.list("svc/two", "registry").map(({ ipBlock }) => ipBlock)).toEqual(["192.0.1.0/24"]);
  });

  it("refuses an endpoint mismatch before any request", async () => {
    await expect(applyOvh({ registries: [registry("a", "svc", "reg")], setting: parseEndpointSetting("ovh-us"), credentials, dryRun: true })).rejects.toThrow(
      new FatalError(
        "config",
        "the API endpoint does not match the policies:\n  a: OVH_ENDPOINT is ovh-us but the policy declares ovh-eu\nSet OVH_ENDPOINT to the registry's endpoint, or choose registries with --registry",
      ),
    );
  });

  it("gives up on an endpoint that does not answer", async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/1.0`;
    try {
      const [outcome] = await applyOvh({ registries: [registry("a", "svc", "reg")], setting: parseEndpointSetting(base), credentials, dryRun: true, timeoutMs: 200 });
      expect(outcome?.failure?.message).toBe(`GET ${base}/auth/time: cannot reach the API (no answer within 0.2 s)`);
    } finally {
      silent.close();
    }
  });
});
