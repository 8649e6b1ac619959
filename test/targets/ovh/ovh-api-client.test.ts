import fc from "fast-check";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { FatalError } from "../../../src/diagnostics/fatal-error.ts";
import { OvhApiClient, serialiseBody, signRequest } from "../../../src/targets/ovh/ovh-api-client.ts";
import { credentialsFromEnvironment } from "../../../src/targets/ovh/ovh-credentials.ts";
import { apiBaseFor, parseEndpointSetting } from "../../../src/targets/ovh/ovh-endpoint.ts";
import { restrictionPath } from "../../../src/targets/ovh/restriction-payloads.ts";
import { startFakeOvhApi } from "./fake-ovh-api.ts";

interface NodeOvhSigner {
  signRequest(method: string, url: string, body: string, timestamp: number): string;
}
const nodeOvh = createRequire(import.meta.url)("@ovhcloud/node-ovh") as (params: { appKey: string; appSecret: string; consumerKey: string }) => NodeOvhSigner;

describe("signRequest", () => {
  it("matches the reference's worked formula", () => {
    // printf %s "AS+CK+GET+https://eu.api.ovh.com/1.0/auth/time++1700000000" | sha1sum
    expect(signRequest({ applicationSecret: "AS", consumerKey: "CK" }, "GET", "https://eu.api.ovh.com/1.0/auth/time", "", 1_700_000_000)).toBe(
      "$1$6a5f07c89c36a8d436b616d016877f64625dc9d6",
    );
  });

  it("signs exactly as node-ovh's own signRequest", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        fc.constantFrom("GET", "PUT", "POST", "DELETE"),
        fc.tuple(fc.constantFrom("https://eu.api.ovh.com/1.0", "http://127.0.0.1:8080/1.0"), fc.string()).map(([base, path]) => `${base}/${encodeURIComponent(path)}`),
        fc.string(),
        fc.integer({ min: 0, max: 2 ** 32 }),
        (secret, consumerKey, method, url, body, timestamp) => {
          const reference = nodeOvh({ appKey: "ak", appSecret: secret, consumerKey }).signRequest(method, url, body, timestamp);
          expect(signRequest({ applicationSecret: secret, consumerKey }, method, url, body, timestamp)).toBe(reference);
        },
      ),
    );
  });
});

describe("OvhApiClient.url: no path segment is resolved away", () => {
  const client = new OvhApiClient("https://eu.api.ovh.com/1.0", { applicationKey: "ak", applicationSecret: "as", consumerKey: "ck" });

  it.each([
    ["/cloud/project/../containerRegistry", ".."],
    ["/cloud/project/./containerRegistry", "."],
    ["/cloud/project/%2e%2E/x", "%2e%2E"],
    ["/cloud/project/.%2e/x", ".%2e"],
    ["/cloud/project/%2e/x", "%2e"],
    ["/cloud/project/..\\x", ".."],
    ["/cloud/project/.\t./x", ".."],
    ["/cloud/project/..?x=1", ".."],
    ["/cloud/project/..", ".."],
  ])("refuses %j", (path, segment) => {
    expect(() => client.url(path)).toThrow(`refusing the API path ${JSON.stringify(path)}: its segment ${JSON.stringify(segment)} would be resolved away`);
  });

  it.each(["/cloud/project/.../x", "/cloud/project/.a/x", "/cloud/project/a..b/x", "/cloud/project/%2e%2e%2e/x", "/auth/time"])("keeps %j", (path) => {
    expect(client.url(path)).toBe(`https://eu.api.ovh.com/1.0${path}`);
  });

  it("requests exactly the path the policy names, or refuses: never another one", () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(".", "..", "%2e", "a/b", "a\\b"), fc.string()), fc.oneof(fc.constantFrom(".", ".."), fc.string()), (serviceName, registryId) => {
        const path = restrictionPath({ serviceName, registryId }, "registry");
        const dots = [serviceName, registryId].some((segment) => segment === "." || segment === "..");
        if (dots) expect(() => client.url(path)).toThrow(/^refusing the API path/);
        else expect(new URL(client.url(path)).pathname).toBe(`/1.0${path}`);
      }),
    );
  });

  it("sends no request for a refused path", async () => {
    const server = await startFakeOvhApi({ applicationKey: "ak", applicationSecret: "as", consumerKey: "ck", registries: {} });
    try {
      const local = new OvhApiClient(server.base, { applicationKey: "ak", applicationSecret: "as", consumerKey: "ck" });
      await expect(local.get("/cloud/project/../auth/time")).rejects.toThrow(/^refusing the API path/);
      expect(server.requests).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe("OvhApiClient: the server time", () => {
  it("is read again after a failed /auth/time, then kept", async () => {
    const server = await startFakeOvhApi({ applicationKey: "ak", applicationSecret: "as", consumerKey: "ck", registries: { "svc/reg": { management: [], registry: [] } }, authTimeFailures: 1 });
    try {
      const client = new OvhApiClient(server.base, { applicationKey: "ak", applicationSecret: "as", consumerKey: "ck" });
      const path = "/cloud/project/svc/containerRegistry/reg/ipRestrictions/registry";
      await expect(client.get(path)).rejects.toThrow(`GET ${server.base}/auth/time: HTTP 503: Service Unavailable`);
      await expect(client.get(path)).resolves.toEqual([]);
      await expect(client.get(path)).resolves.toEqual([]);
      expect(server.requests.map(({ path: requested, status }) => `${requested} ${status}`)).toEqual([
        "/1.0/auth/time 503",
        "/1.0/auth/time 200",
        `/1.0${path} 200`,
        `/1.0${path} 200`,
      ]);
    } finally {
      await server.close();
    }
  });
});

describe("serialiseBody", () => {
  it.each([
    [[], "[]"],
    [[{ description: "Q/A environment", ipBlock: "192.0.1.0/24" }], '[{"description":"Q/A environment","ipBlock":"192.0.1.0/24"}]'],
    [[{ description: "réseau 🚀", ipBlock: "192.0.2.0/24" }], '[{"description":"r\\u00e9seau \\ud83d\\ude80","ipBlock":"192.0.2.0/24"}]'],
  ])("%j → %s", (value, expected) => {
    expect(serialiseBody(value)).toBe(expected);
  });

  it("is ASCII JSON that reads back as the value", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ description: fc.string({ unit: "binary" }), ipBlock: fc.string() }), { maxLength: 4 }), (value) => {
        const text = serialiseBody(value);
        expect(text).toMatch(/^[\x00-\x7f]*$/);
        expect(JSON.parse(text)).toEqual(value);
      }),
    );
  });
});

describe("OVH_ENDPOINT", () => {
  it.each([
    [undefined, "ovh-eu", { ok: true, url: "https://eu.api.ovh.com/1.0" }],
    ["", "ovh-ca", { ok: true, url: "https://ca.api.ovh.com/1.0" }],
    ["ovh-us", "ovh-us", { ok: true, url: "https://api.us.ovhcloud.com/1.0" }],
    ["ovh-ca", "ovh-eu", { ok: false, reason: "OVH_ENDPOINT is ovh-ca but the policy declares ovh-eu" }],
    ["https://proxy.example.com/ovh/1.0/", "ovh-eu", { ok: true, url: "https://proxy.example.com/ovh/1.0" }],
    ["http://127.0.0.1:8080/1.0", "ovh-ca", { ok: true, url: "http://127.0.0.1:8080/1.0" }],
    ["http://[::1]:8080/1.0", "ovh-eu", { ok: true, url: "http://[::1]:8080/1.0" }],
    ["http://localhost:8080/1.0", "ovh-eu", { ok: true, url: "http://localhost:8080/1.0" }],
  ] as const)("%j with a registry on %s", (value, declared, expected) => {
    expect(apiBaseFor(declared, parseEndpointSetting(value))).toEqual(expected);
  });

  it.each([
    ["kimsufi-eu", 'OVH_ENDPOINT "kimsufi-eu" is neither ovh-eu, ovh-ca, ovh-us nor a URL such as https://eu.api.ovh.com/1.0'],
    ["http://eu.api.ovh.com/1.0", 'OVH_ENDPOINT "http://eu.api.ovh.com/1.0" must use https (plain http only to a loopback address): requests carry the consumer key'],
    ["ftp://127.0.0.1/1.0", 'OVH_ENDPOINT "ftp://127.0.0.1/1.0" must use https (plain http only to a loopback address): requests carry the consumer key'],
    ["https://user:pw@eu.api.ovh.com/1.0", 'OVH_ENDPOINT "https://user:pw@eu.api.ovh.com/1.0" must be a base URL without credentials, query or fragment'],
    ["https://eu.api.ovh.com/1.0?x=1", 'OVH_ENDPOINT "https://eu.api.ovh.com/1.0?x=1" must be a base URL without credentials, query or fragment'],
  ])("refuses %j", (value, message) => {
    expect(() => parseEndpointSetting(value)).toThrow(new FatalError("config", message));
  });
});

describe("credentials from the environment", () => {
  const full = { OVH_APPLICATION_KEY: "ak", OVH_APPLICATION_SECRET: "as", OVH_CONSUMER_KEY: "ck" };

  it("reads the three variables, trimmed", () => {
    expect(credentialsFromEnvironment({ ...full, OVH_CONSUMER_KEY: " ck\n" })).toEqual({ applicationKey: "ak", applicationSecret: "as", consumerKey: "ck" });
  });

  it.each([
    [{}, "OVH_APPLICATION_KEY, OVH_APPLICATION_SECRET, OVH_CONSUMER_KEY"],
    [{ ...full, OVH_APPLICATION_SECRET: "" }, "OVH_APPLICATION_SECRET"],
    [{ ...full, OVH_CONSUMER_KEY: "  " }, "OVH_CONSUMER_KEY"],
  ])("names what is missing, never a value: %j", (environment, missing) => {
    let error: unknown;
    try {
      credentialsFromEnvironment(environment);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FatalError);
    expect((error as FatalError).message).toMatch(new RegExp(`^missing OVH API credentials: set ${missing} \\(`));
    expect((error as FatalError).message).not.toMatch(/\bak\b|\bas\b|\bck\b/);
  });
});
