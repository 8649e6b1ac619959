/**
 * Call sites of DSL values: where the user called the DSL, never a frame inside regfence; and DSL
 * values are frozen and serialise to JSON without their location.
 *
 * Exact positions are checked in a plain Node child process against the built DSL (dist/, so run
 * `npm run build` first), as the loader's evaluation sees them: vitest runs its own modules through
 * a transform that moves lines (the import block collapses) and columns (`network(` becomes
 * `(0, __vi_import_0__.network)(`), and captureCallSite reads raw V8 frames, so positions taken
 * under vitest describe the transformed code. Under vitest only the file is checked.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CallSite, captureCallSite, definedAt } from "../../src/dsl/call-site.ts";
import {
  azureRegistry,
  containerHost,
  credential,
  definePolicy,
  externalSecret,
  fromEnv,
  fromFile,
  harborProxyCache,
  kubernetesSecret,
  network,
  ovhRegistry,
} from "../../src/dsl/index.ts";

const thisFile = fileURLToPath(import.meta.url);
const dist = pathToFileURL(path.join(path.dirname(thisFile), "..", "..", "dist")).href;

const dslFunctions = ["network", "azureRegistry", "ovhRegistry", "containerHost", "credential", "fromEnv", "fromFile", "harborProxyCache", "definePolicy"] as const;

/** Run by plain Node; each marked line's call site is printed under the marker's name. */
const nativeScript = `import { captureCallSite, definedAt, stamp } from "${dist}/dsl/call-site.js";
import { ${dslFunctions.join(", ")} } from "${dist}/index.js";

function dslLike() {
  return captureCallSite(dslLike);
}
function makeThing() {
  return stamp({ kind: "thing" }, makeThing);
}
function helper() {
  return network("from-helper", []); // @site:helper
}
const sites = {};
sites.capture = dslLike(); // @site:capture
sites.stamp = makeThing()[definedAt]; // @site:stamp
sites.network = network("n", [])[definedAt]; // @site:network
sites.azureRegistry = azureRegistry("acr", { resourceGroup: "rg" })[definedAt]; // @site:azureRegistry
sites.ovhRegistry = ovhRegistry("mpr", { serviceName: "s", registryId: "r", management: "open", registry: "open" })[definedAt]; // @site:ovhRegistry
sites.containerHost = containerHost("vch", {})[definedAt]; // @site:containerHost
sites.credential = credential("c", { server: "r.io", username: fromEnv("U"), password: fromEnv("P") })[definedAt]; // @site:credential
sites.fromEnv = fromEnv("U")[definedAt]; // @site:fromEnv
sites.fromFile = fromFile("f")[definedAt]; // @site:fromFile
sites.harborProxyCache = harborProxyCache({ host: "h.io", upstreams: [] })[definedAt]; // @site:harborProxyCache
sites.definePolicy = definePolicy({ name: "p" })[definedAt]; // @site:definePolicy
sites.helper = helper()[definedAt];
const [a, b] = [network("a", []), network("b", [])]; // @site:pair
sites["pair-first"] = a[definedAt];
sites["pair-second"] = b[definedAt];
sites.unknown = captureCallSite(() => undefined);
const prepare = Error.prepareStackTrace;
const limit = Error.stackTraceLimit;
dslLike();
sites.restored = { file: Error.prepareStackTrace === prepare && Error.stackTraceLimit === limit ? "restored" : "changed", line: 1, column: 1 };
process.stdout.write(JSON.stringify(sites));
`;

/** 1-based position of `needle` on the line of the native script marked `// @site:<marker>`. */
function nativeSite(marker: string, needle: string): { line: number; column: number } {
  const lines = nativeScript.split("\n");
  const index = lines.findIndex((line) => line.endsWith(`// @site:${marker}`));
  const text = lines[index];
  if (text === undefined || !text.includes(needle)) throw new Error(`marker ${marker} or "${needle}" not found`);
  return { line: index + 1, column: text.indexOf(needle) + 1 };
}

/** The file of a call site as a path (V8 reports a path or a file: URL, depending on the loader). */
function sitePath(callSite: CallSite): string {
  return callSite.file.startsWith("file:") ? fileURLToPath(callSite.file) : callSite.file;
}

function dslLike(): CallSite {
  return captureCallSite(dslLike);
}

let directory = "";
let scriptFile = "";

describe("captureCallSite and stamp, in native Node", () => {
  let sites: Record<string, CallSite> = {};

  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), "regfence-call-site-"));
    const script = path.join(directory, "sites.mjs");
    await writeFile(script, nativeScript);
    scriptFile = script;
    sites = await new Promise((resolve, reject) => {
      execFile(process.execPath, [script], (error, stdout, stderr) => {
        if (error !== null) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as Record<string, CallSite>);
      });
    });
  });

  afterAll(async () => {
    if (directory !== "") await rm(directory, { recursive: true, force: true });
  });

  it("captureCallSite records the caller of the given function, at the call", () => {
    expect(sites["capture"]).toEqual({ file: pathToFileURL(scriptFile).href, ...nativeSite("capture", "dslLike()") });
  });

  it("stamp records the caller of the given function", () => {
    expect(sites["stamp"]).toEqual({ file: pathToFileURL(scriptFile).href, ...nativeSite("stamp", "makeThing(") });
  });

  it.each(dslFunctions)("%s records the policy's call site, not a frame inside regfence", (name) => {
    expect(sites[name]).toEqual({ file: pathToFileURL(scriptFile).href, ...nativeSite(name, `${name}(`) });
  });

  it("a DSL call inside a helper records the helper's line, where the DSL was called", () => {
    expect(sites["helper"]).toEqual({ file: pathToFileURL(scriptFile).href, ...nativeSite("helper", "network(") });
  });

  it("two calls on one line get their own columns", () => {
    expect(sites["pair-first"]).toEqual({ file: pathToFileURL(scriptFile).href, ...nativeSite("pair", 'network("a"') });
    expect(sites["pair-second"]).toEqual({ file: pathToFileURL(scriptFile).href, ...nativeSite("pair", 'network("b"') });
  });

  it("reports an unknown site, not a crash, when the function is not on the stack", () => {
    expect(sites["unknown"]).toEqual({ file: "<unknown>", line: 0, column: 0 });
  });

  it("restores Error.prepareStackTrace and Error.stackTraceLimit", () => {
    expect(sites["restored"]).toEqual({ file: "restored", line: 1, column: 1 });
  });
});

describe("call sites under vitest", () => {
  it("name this file, not a module of regfence", () => {
    for (const value of [network("n", []), fromEnv("U"), definePolicy({ name: "p" })]) expect(sitePath(value[definedAt])).toBe(thisFile);
    expect(sitePath(dslLike())).toBe(thisFile);
    expect(Object.isFrozen(dslLike())).toBe(true);
  });

  it("restore Error.prepareStackTrace and Error.stackTraceLimit", () => {
    const prepare = Error.prepareStackTrace;
    const limit = Error.stackTraceLimit;
    dslLike();
    expect(Error.prepareStackTrace).toBe(prepare);
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new Error("still formatted").stack).toMatch(/^Error: still formatted\n/);
  });
});

describe("DSL values", () => {
  it("are frozen", () => {
    const rules = [{ cidr: "192.0.2.0/24", description: "d" }] as const;
    const production = network("production", rules);
    const values: object[] = [
      production,
      production.rules,
      azureRegistry("acr", { resourceGroup: "rg", networks: [production] }),
      ovhRegistry("mpr", { serviceName: "s", registryId: "r", management: [production], registry: "open" }),
      containerHost("vch", {}),
      credential("c", { server: "r.io", username: fromEnv("U"), password: fromFile("f") }),
      fromEnv("U"),
      fromFile("f"),
      kubernetesSecret({ namespace: "ns" }),
      externalSecret({ store: { kind: "SecretStore", name: "s" }, remoteRef: { key: "k" } }),
      harborProxyCache({ host: "h.io", upstreams: ["docker.io"] }),
      definePolicy({ name: "p", networks: [production] }),
    ];
    for (const value of values) expect(Object.isFrozen(value), JSON.stringify(value)).toBe(true);
    expect(() => {
      (production as { name: string }).name = "changed";
    }).toThrow(TypeError);
    // The rules array is copied: changing the caller's array later does not change the network.
    const mutable = [{ cidr: "192.0.2.0/24" as const, description: "d" }];
    const copy = network("copy", mutable);
    mutable.push({ cidr: "192.0.2.0/24", description: "e" });
    expect(copy.rules).toHaveLength(1);
  });

  it("serialise to JSON without the location symbol", () => {
    const production = network("production", [{ cidr: "192.0.2.0/24", description: "d" }]);
    const value = definePolicy({
      name: "p",
      networks: [production],
      registries: [azureRegistry("acr", { resourceGroup: "rg", networks: [production] })],
      credentials: [credential("c", { server: "r.io", username: fromEnv("U"), password: fromFile("f") })],
    });
    const text = JSON.stringify(value);
    expect(JSON.parse(text)).toEqual({
      name: "p",
      kind: "policy",
      networks: [{ kind: "network", name: "production", rules: [{ cidr: "192.0.2.0/24", description: "d" }] }],
      registries: [{ kind: "azure-registry", name: "acr", resourceGroup: "rg", networks: [{ kind: "network", name: "production", rules: [{ cidr: "192.0.2.0/24", description: "d" }] }] }],
      credentials: [
        {
          kind: "credential",
          name: "c",
          server: "r.io",
          username: { kind: "secret-source", from: "env", variable: "U" },
          password: { kind: "secret-source", from: "file", path: "f" },
        },
      ],
    });
    expect(text).not.toContain("definedAt");
    expect(text).not.toContain(thisFile);
    // The symbol is still there for the loader, just not enumerable as a string key.
    expect(Object.getOwnPropertySymbols(value)).toEqual([definedAt]);
    expect(Object.keys(value)).not.toContain(String(definedAt));
    expect(definedAt).toBe(Symbol.for("regfence.definedAt"));
  });
});
