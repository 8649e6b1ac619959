import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseIpBlock } from "../../../src/ir/ip-block.ts";
import { caFileProblem } from "../../../src/targets/vic/flags-file.ts";
import { compareEntries, covers, type EntryParse, parseRegistryEntry, type RegistryEntry } from "../../../src/targets/vic/registry-entry.ts";

function entry(text: string): RegistryEntry {
  const parsed = parseRegistryEntry(text);
  if (!parsed.ok) throw new Error(`expected ${JSON.stringify(text)} to parse: ${parsed.message}`);
  return parsed.entry;
}

describe("parseRegistryEntry: the forms vic-machine documents", () => {
  const accepted: ReadonlyArray<readonly [string, { kind: RegistryEntry["kind"]; text: string; port?: number | null; hostBitsWritten?: string }]> = [
    ["192.168.100.207", { kind: "ip", text: "192.168.100.207", port: null }],
    ["10.2.40.40:443", { kind: "ip", text: "10.2.40.40:443", port: 443 }],
    ["10.2.2.0/24", { kind: "cidr", text: "10.2.2.0/24" }],
    ["10.2.2.1/24", { kind: "cidr", text: "10.2.2.0/24", hostBitsWritten: "10.2.2.1/24" }],
    ["2001:DB8::/32", { kind: "cidr", text: "2001:db8::/32" }],
    ["[2001:db8::1]", { kind: "ip", text: "[2001:db8::1]", port: null }],
    ["[2001:db8::1]:5000", { kind: "ip", text: "[2001:db8::1]:5000", port: 5000 }],
    ["registry.mycompany.com", { kind: "host", text: "registry.mycompany.com", port: null }],
    ["localhost:5000", { kind: "host", text: "localhost:5000", port: 5000 }],
    ["*.mycompany.com", { kind: "wildcard", text: "*.mycompany.com", port: null }],
    ["*.mycompany.com:65535", { kind: "wildcard", text: "*.mycompany.com:65535", port: 65535 }],
    // vic globs names case-sensitively against the lowercase names clients send: emitted lowercase.
    ["Registry.MyCompany.com:5000", { kind: "host", text: "registry.mycompany.com:5000", port: 5000 }],
    ["*.MyCompany.com", { kind: "wildcard", text: "*.mycompany.com", port: null }],
  ];
  it.each(accepted)("%s", (text, want) => {
    const parsed = parseRegistryEntry(text);
    expect(parsed.ok && { kind: parsed.entry.kind, text: parsed.entry.text, ...(parsed.entry.kind === "cidr" ? {} : { port: parsed.entry.port }) }).toEqual({
      kind: want.kind,
      text: want.text,
      ...(want.port === undefined ? {} : { port: want.port }),
    });
    expect(parsed.ok && parsed.hostBitsWritten).toBe(want.hostBitsWritten ?? (parsed.ok ? undefined : false));
  });

  const rejected: ReadonlyArray<readonly [string, Extract<EntryParse, { ok: false }>["problem"]]> = [
    ["", "invalid"],
    [" registry.example.com", "invalid"],
    ["registry.example.com\n", "invalid"],
    ["registry\u200b.example.com", "invalid"],
    ["a.example.com,b.example.com", "list"],
    ["https://registry.example.com", "url"],
    ["http://10.0.0.1:5000", "url"],
    ["registry.example.com/team", "url"],
    ["10.0.0.1:5000/v2", "url"],
    ["10.0.0.0/33", "prefix"],
    ["10.0.0.0/024", "prefix"],
    ["10.0.0.0/", "prefix"],
    ["300.1.1.1", "invalid"],
    ["1.2.3", "invalid"],
    ["010.0.0.1", "invalid"],
    ["2001:db8::1", "invalid"],
    ["[10.0.0.1]", "invalid"],
    ["[2001:db8::/32]", "invalid"],
    ["[2001:db8::1]:0", "invalid"],
    ["registry.example.com:0", "invalid"],
    ["registry.example.com:080", "invalid"],
    ["registry.example.com:65536", "invalid"],
    ["registry.example.com:", "invalid"],
    ["*", "invalid"],
    ["*.", "invalid"],
    ["reg*.example.com", "invalid"],
    ["*.*.example.com", "invalid"],
    ["a..example.com", "invalid"],
    ["-registry.example.com", "invalid"],
    ["registry_1.example.com", "invalid"],
    ["'registry.example.com'", "invalid"],
  ];
  it.each(rejected)("rejects %j as %s", (text, problem) => {
    const parsed = parseRegistryEntry(text);
    expect(parsed.ok ? "accepted" : parsed.problem).toBe(problem);
    expect(parsed.ok || (parsed.message.length > 0 && parsed.hint.length > 0)).toBe(true);
  });
});

describe("covers: vic's matching rules", () => {
  const rows: ReadonlyArray<readonly [string, string, boolean]> = [
    ["10.0.0.0/8", "10.1.2.3:5000", true],
    ["10.0.0.0/8", "10.2.0.0/16", true],
    ["10.0.0.0/8", "11.0.0.1", false],
    ["10.0.0.0/8", "registry.example.com", false],
    ["10.2.40.40:443", "10.2.40.40", false],
    ["10.2.40.40:443", "10.2.40.40:443", true],
    ["registry.example.com", "Registry.Example.COM:5000", true],
    ["10.2.40.40:443", "10.2.40.40:5000", false],
    ["10.2.40.40", "10.2.40.40:5000", true],
    ["Registry.Example.com", "registry.example.com", true],
    ["registry.example.com", "registry.example.org", false],
    ["*.example.com", "a.example.com", true],
    ["*.example.com", "a.b.example.com", true],
    ["*.example.com", "example.com", false],
    ["*.example.com", "notexample.com", false],
    ["*.example.com", "*.eu.example.com", true],
    ["*.eu.example.com", "*.example.com", false],
    ["*.example.com:5000", "a.example.com", false],
    ["*.example.com:5000", "a.example.com:5000", true],
    ["[2001:db8::1]", "[2001:db8::1]:5000", true],
    ["2001:db8::/32", "[2001:db8::1]", true],
  ];
  it.each(rows)("%s covers %s: %s", (whitelisted, target, want) => {
    expect(covers(entry(whitelisted), entry(target))).toBe(want);
  });
});

describe("parseRegistryEntry: properties", () => {
  it("never throws, and every accepted value is one safe .flags word that parses back to itself", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(..."0123456789abz.:-*/[],' ") })), (text) => {
        const parsed = parseRegistryEntry(text);
        if (!parsed.ok) return;
        // A wildcard's leading `*` is the one glob character allowed: `--whitelist-registry=*.d`
        // cannot match a file name, so only the rest must be a plain word.
        const word = parsed.entry.kind === "wildcard" ? parsed.entry.text.slice(1) : parsed.entry.text;
        expect(caFileProblem(word)).toBeUndefined();
        const again = parseRegistryEntry(parsed.entry.text);
        expect(again.ok && again.entry.text).toBe(parsed.entry.text);
        expect(again.ok && again.hostBitsWritten).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });

  it("reads IPv4:port as vic does, and stores a CIDR as its network address", () => {
    const octet = fc.integer({ min: 0, max: 255 });
    fc.assert(
      fc.property(fc.tuple(octet, octet, octet, octet), fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 0, max: 32 }), (octets, port, prefix) => {
        const address = octets.join(".");
        const withPort = entry(`${address}:${port}`);
        expect(withPort.kind === "ip" && withPort.port).toBe(port);
        const range = parseIpBlock(`${address}/${prefix}`);
        const network = range.ok ? range.block.cidr : range.networkCidr;
        expect(entry(`${address}/${prefix}`).text).toBe(network);
      }),
    );
  });

  it("orders entries totally: IP literals and ranges first, by address, then names", () => {
    const pool = ["*.mycompany.com", "registry.a.com", "10.2.40.40:443", "10.2.40.40", "9.0.0.0/8", "10.2.2.0/24", "[2001:db8::1]", "b.com:5000"].map(entry);
    fc.assert(
      fc.property(fc.shuffledSubarray(pool, { minLength: pool.length }), (shuffled) => {
        expect([...shuffled].sort(compareEntries).map((item) => item.text)).toEqual([
          "9.0.0.0/8",
          "10.2.2.0/24",
          "10.2.40.40",
          "10.2.40.40:443",
          "[2001:db8::1]",
          "*.mycompany.com",
          "b.com:5000",
          "registry.a.com",
        ]);
      }),
    );
  });
});
