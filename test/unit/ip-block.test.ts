import { isIP } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  blockContains,
  compareIpBlocks,
  parseIpBlock,
  type IpBlock,
  type IpBlockParse,
  type IpFamily,
} from "../../src/ir/ip-block.ts";

type Expected =
  | { readonly cidr: string; readonly family?: IpFamily; readonly bare?: boolean }
  | { readonly reason: "invalid-address" | "invalid-prefix"; readonly networkCidr?: undefined }
  | { readonly reason: "host-bits-set"; readonly networkCidr: string };

function mustParse(text: string): IpBlock {
  const r = parseIpBlock(text);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(text)} to parse: ${r.message}`);
  return r.block;
}

describe("parseIpBlock", () => {
  const rows: ReadonlyArray<readonly [string, Expected]> = [
    // valid IPv4
    ["10.0.0.0/8", { cidr: "10.0.0.0/8", family: "ipv4", bare: false }],
    ["0.0.0.0/0", { cidr: "0.0.0.0/0", family: "ipv4" }],
    ["255.255.255.255/32", { cidr: "255.255.255.255/32", bare: false }],
    ["192.0.2.1", { cidr: "192.0.2.1/32", family: "ipv4", bare: true }],
    ["0.0.0.0", { cidr: "0.0.0.0/32", bare: true }],
    ["10.0.0.0/31", { cidr: "10.0.0.0/31" }],
    // valid IPv6
    ["::/0", { cidr: "::/0", family: "ipv6", bare: false }],
    ["::", { cidr: "::/128", family: "ipv6", bare: true }],
    ["::1", { cidr: "::1/128", bare: true }],
    ["2001:db8::/32", { cidr: "2001:db8::/32" }],
    ["2001:DB8:0:0::1/128", { cidr: "2001:db8::1/128", bare: false }],
    ["2001:0db8:0000:0000:0000:ff00:0042:8329", { cidr: "2001:db8::ff00:42:8329/128", bare: true }],
    ["2001:db8:0:0:1:0:0:1", { cidr: "2001:db8::1:0:0:1/128" }], // first of equal zero runs
    ["2001:db8:0:1:1:1:1:1", { cidr: "2001:db8:0:1:1:1:1:1/128" }], // lone zero not compressed
    ["1:2:3:4:5:6:7::", { cidr: "1:2:3:4:5:6:7:0/128" }],
    ["fe80::/10", { cidr: "fe80::/10" }],
    ["::ffff:1.2.3.4", { cidr: "::ffff:102:304/128", family: "ipv6", bare: true }],
    ["::ffff:0.0.0.0/96", { cidr: "::ffff:0:0/96", family: "ipv6" }],
    ["::1.2.3.4", { cidr: "::102:304/128" }], // not rewritten to ::ffff:1.2.3.4
    // host bits
    ["10.2.2.1/24", { reason: "host-bits-set", networkCidr: "10.2.2.0/24" }],
    ["10.0.0.1/31", { reason: "host-bits-set", networkCidr: "10.0.0.0/31" }],
    ["1.2.3.4/0", { reason: "host-bits-set", networkCidr: "0.0.0.0/0" }],
    ["2001:db8::1/32", { reason: "host-bits-set", networkCidr: "2001:db8::/32" }],
    ["::ffff:1.2.3.4/96", { reason: "host-bits-set", networkCidr: "::ffff:0:0/96" }],
    // invalid addresses
    ["", { reason: "invalid-address" }],
    ["/24", { reason: "invalid-address" }],
    ["300.1.1.1", { reason: "invalid-address" }],
    ["010.0.0.1", { reason: "invalid-address" }],
    ["1.2.3", { reason: "invalid-address" }],
    ["167772161", { reason: "invalid-address" }],
    ["0x0a.0.0.1", { reason: "invalid-address" }],
    ["10.0.0.0.0", { reason: "invalid-address" }],
    [" 10.0.0.0/8", { reason: "invalid-address" }],
    ["10.0.0.1 ", { reason: "invalid-address" }],
    ["10.0.0.0\t/8", { reason: "invalid-address" }],
    ["fe80::1%eth0", { reason: "invalid-address" }],
    ["1::2::3", { reason: "invalid-address" }],
    ["12345::", { reason: "invalid-address" }],
    ["1:2:3:4:5:6:7", { reason: "invalid-address" }],
    ["::ffff:01.2.3.4", { reason: "invalid-address" }],
    ["::ffff:0x1.2.3.4", { reason: "invalid-address" }],
    ["1.2.3.4:80", { reason: "invalid-address" }],
    ["localhost", { reason: "invalid-address" }],
    // invalid prefixes
    ["1.2.3.4/", { reason: "invalid-prefix" }],
    ["10.0.0.0/33", { reason: "invalid-prefix" }],
    ["10.0.0.0/024", { reason: "invalid-prefix" }],
    ["10.0.0.0/00", { reason: "invalid-prefix" }],
    ["10.0.0.0/-1", { reason: "invalid-prefix" }],
    ["10.0.0.0/+8", { reason: "invalid-prefix" }],
    ["10.0.0.0/ 8", { reason: "invalid-prefix" }],
    ["10.0.0.0/8/8", { reason: "invalid-prefix" }],
    ["::/129", { reason: "invalid-prefix" }],
    ["::/0x10", { reason: "invalid-prefix" }],
  ];

  it.each(rows)("%j", (input, expected) => {
    const r = parseIpBlock(input);
    if ("cidr" in expected) {
      expect(r.ok, r.ok ? "" : r.message).toBe(true);
      if (!r.ok) return;
      expect(r.block.cidr).toBe(expected.cidr);
      expect(r.block.cidr).toBe(`${r.block.network}/${r.block.prefixLength}`);
      if (expected.family !== undefined) expect(r.block.family).toBe(expected.family);
      if (expected.bare !== undefined) expect(r.block.bare).toBe(expected.bare);
    } else {
      expect(r).toMatchObject({ ok: false, reason: expected.reason });
      if (r.ok) return;
      expect(r.networkCidr).toBe(expected.networkCidr);
      expect(r.message).not.toBe("");
    }
  });

  it("has human-readable messages", () => {
    const msg = (t: string) => (parseIpBlock(t) as Extract<IpBlockParse, { ok: false }>).message;
    expect(msg("300.1.1.1")).toBe('"300.1.1.1" is not a valid IPv4 or IPv6 address');
    expect(msg("10.0.0.0/33")).toBe("prefix length 33 is out of range for IPv4 (0-32)");
    expect(msg("::/129")).toBe("prefix length 129 is out of range for IPv6 (0-128)");
    expect(msg("10.2.2.1/24")).toMatch(/^"10\.2\.2\.1\/24" has host bits set.*"10\.2\.2\.0\/24"/);
    expect(msg("1.2.3.4/")).toContain("prefix length");
  });
});

describe("blockContains", () => {
  const rows: ReadonlyArray<readonly [string, string, boolean]> = [
    ["10.0.0.0/8", "10.1.0.0/16", true],
    ["10.0.0.0/8", "10.0.0.0/8", true],
    ["10.0.0.0/8", "10.255.255.255", true],
    ["10.1.0.0/16", "10.0.0.0/8", false],
    ["10.0.0.0/8", "11.0.0.0/8", false],
    ["192.168.0.0/23", "192.168.1.0/24", true],
    ["192.168.0.0/24", "192.168.1.0/24", false],
    ["0.0.0.0/0", "255.255.255.255", true],
    ["0.0.0.0/0", "::/128", false],
    ["::/0", "10.0.0.1", false],
    ["::/0", "::ffff:10.0.0.1", true],
    ["::ffff:0:0/96", "::ffff:10.0.0.1", true],
    ["10.0.0.0/8", "::ffff:10.0.0.1", false],
    ["2001:db8::/32", "2001:db8:1::/48", true],
    ["2001:db8::/32", "2001:db9::/48", false],
    ["2001:db8::1", "2001:db8::1/128", true],
  ];
  it.each(rows)("%s contains %s: %s", (outer, inner, expected) => {
    expect(blockContains(mustParse(outer), mustParse(inner))).toBe(expected);
  });
});

describe("compareIpBlocks", () => {
  it("orders ipv4 first, then numerically by network, then by prefix length", () => {
    const sorted = [
      "0.0.0.0/0",
      "9.0.0.0/8",
      "10.0.0.0/8",
      "10.0.0.0/16",
      "10.0.0.1",
      "100.0.0.0/8",
      "255.255.255.255",
      "::/0",
      "::1",
      "::ffff:1.2.3.4",
      "9::/16",
      "a::/16", // 0x000a < 0x0010: numeric, not string order
      "10::/16",
      "2001:db8::/32",
      "2001:db8::/48",
      "ffff::/16",
    ];
    const shuffled = [...sorted].reverse();
    [shuffled[0], shuffled[7]] = [shuffled[7] ?? "", shuffled[0] ?? ""];
    const result = shuffled.map(mustParse).sort(compareIpBlocks).map((b) => b.cidr);
    expect(result).toEqual(sorted.map((t) => mustParse(t).cidr));
  });
});

// ---------------------------------------------------------------------------
// Property tests. Addresses are generated as bytes; expectations are computed
// with BigInt masking and formatted by WHATWG URL (an RFC 5952 serializer
// independent of ipaddr.js).

interface Addr {
  readonly family: IpFamily;
  readonly bytes: readonly number[];
}

const bits = (f: IpFamily) => (f === "ipv4" ? 32 : 128);
const toBig = (bytes: readonly number[]) => bytes.reduce((n, b) => (n << 8n) | BigInt(b), 0n);
const fromBig = (n: bigint, len: number) =>
  Array.from({ length: len }, (_, i) => Number((n >> BigInt(8 * (len - 1 - i))) & 0xffn));

function mask(a: Addr, prefix: number): Addr {
  const width = BigInt(bits(a.family));
  const m = ((1n << width) - 1n) ^ ((1n << (width - BigInt(prefix))) - 1n);
  return { family: a.family, bytes: fromBig(toBig(a.bytes) & m, a.bytes.length) };
}

function groups(bytes: readonly number[]): number[] {
  return Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
}

/** Canonical text, from an implementation that does not use ipaddr.js. */
function canonical(a: Addr): string {
  if (a.family === "ipv4") return a.bytes.join(".");
  return new URL(`http://[${groups(a.bytes).map((g) => g.toString(16)).join(":")}]`).hostname.slice(1, -1);
}

const byteArb = fc.oneof(fc.constant(0), fc.constant(255), fc.integer({ min: 0, max: 255 }));
const addrArb: fc.Arbitrary<Addr> = fc.oneof(
  fc.array(byteArb, { minLength: 4, maxLength: 4 }).map((bytes) => ({ family: "ipv4" as const, bytes })),
  fc.array(byteArb, { minLength: 16, maxLength: 16 }).map((bytes) => ({ family: "ipv6" as const, bytes })),
);
const addrWithPrefixArb = addrArb.chain((a) =>
  fc.tuple(fc.constant(a), fc.integer({ min: 0, max: bits(a.family) })),
);

/** A (non-canonical) textual form: IPv6 varies zero padding, case and `::` use. */
const textArb = (a: Addr): fc.Arbitrary<string> =>
  a.family === "ipv4"
    ? fc.constant(a.bytes.join("."))
    : fc.record({ pad: fc.boolean(), upper: fc.boolean(), compact: fc.boolean() }).map(({ pad, upper, compact }) => {
        const text = compact
          ? canonical(a)
          : groups(a.bytes)
              .map((g) => g.toString(16).padStart(pad ? 4 : 1, "0"))
              .join(":");
        return upper ? text.toUpperCase() : text;
      });

const blockArb: fc.Arbitrary<IpBlock> = addrWithPrefixArb.map(([a, p]) => mustParse(`${canonical(mask(a, p))}/${p}`));

describe("parseIpBlock properties", () => {
  it("(1) masked addresses parse ok and normalisation is idempotent", () => {
    fc.assert(
      fc.property(
        addrWithPrefixArb.chain(([a, p]) => fc.tuple(fc.constant(mask(a, p)), fc.constant(p), textArb(mask(a, p)))),
        ([net, p, text]) => {
          const block = mustParse(`${text}/${p}`);
          expect(block).toEqual({
            family: net.family,
            network: canonical(net),
            prefixLength: p,
            cidr: `${canonical(net)}/${p}`,
            bare: false,
          });
          expect(mustParse(block.cidr)).toEqual(block);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("(2) any address/prefix is ok or host-bits-set with a containing networkCidr", () => {
    fc.assert(
      fc.property(
        addrWithPrefixArb.chain(([a, p]) => fc.tuple(fc.constant(a), fc.constant(p), textArb(a))),
        ([a, p, text]) => {
          const r = parseIpBlock(`${text}/${p}`);
          const host = mustParse(text);
          expect(host).toMatchObject({ bare: true, prefixLength: bits(a.family), network: canonical(a) });
          if (r.ok) {
            expect(toBig(mask(a, p).bytes)).toBe(toBig(a.bytes));
            expect(blockContains(r.block, host)).toBe(true);
          } else {
            expect(r.reason).toBe("host-bits-set");
            expect(r.networkCidr).toBe(`${canonical(mask(a, p))}/${p}`);
            const net = mustParse(r.networkCidr ?? "");
            expect(blockContains(net, host)).toBe(true);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("(3) blockContains is reflexive and transitive", () => {
    // Nested chains from one address make the transitivity premise hold often.
    const chainArb = addrArb.chain((a) =>
      fc
        .array(fc.integer({ min: 0, max: bits(a.family) }), { minLength: 3, maxLength: 3 })
        .map((ps) => ps.map((p) => mustParse(`${canonical(mask(a, p))}/${p}`))),
    );
    const tripleArb = fc.oneof(chainArb, fc.array(blockArb, { minLength: 3, maxLength: 3 }));
    fc.assert(
      fc.property(tripleArb, ([x, y, z]) => {
        if (!x || !y || !z) throw new Error("expected three blocks");
        expect(blockContains(x, x)).toBe(true);
        if (blockContains(x, y) && blockContains(y, z)) expect(blockContains(x, z)).toBe(true);
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(chainArb, (chain) => {
        const [x, y, z] = [...chain].sort((l, r) => l.prefixLength - r.prefixLength);
        if (!x || !y || !z) throw new Error("expected three blocks");
        expect(blockContains(x, y) && blockContains(y, z) && blockContains(x, z)).toBe(true);
      }),
    );
  });

  it("compareIpBlocks is antisymmetric and zero only for the same block", () => {
    fc.assert(
      fc.property(blockArb, blockArb, (x, y) => {
        expect(Math.sign(compareIpBlocks(x, y)) + Math.sign(compareIpBlocks(y, x))).toBe(0);
        expect(compareIpBlocks(x, y) === 0).toBe(x.cidr === y.cidr);
      }),
      { numRuns: 1000 },
    );
  });

  it("(4) never throws on arbitrary strings", () => {
    const ipChars = fc.constantFrom(..."0123456789abcdefABCDEFx:./% \t-+");
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary" }),
          fc.string({ unit: ipChars, maxLength: 45 }),
          fc.tuple(fc.oneof(fc.ipV4Extended(), fc.ipV6()), fc.string({ unit: ipChars, maxLength: 4 })).map(
            ([a, s]) => a + s,
          ),
        ),
        (text) => {
          const r = parseIpBlock(text);
          if (r.ok) expect(mustParse(r.block.cidr)).toEqual({ ...r.block, bare: false });
          else expect(r.message.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("accepts exactly what node:net accepts (minus zone ids), with the value WHATWG URL gives", () => {
    const ipChars = fc.constantFrom(..."0123456789abcdefABCDEF:.");
    const embeddedV4 = fc
      .tuple(fc.constantFrom("::", "::ffff:", "1::", "1:2:3:4:5:6:", "64:ff9b::", "1:2:3:4:5:6:7:"), fc.oneof(fc.ipV4(), fc.ipV4Extended()))
      .map(([head, v4]) => head + v4);
    fc.assert(
      fc.property(
        fc.oneof(fc.ipV4(), fc.ipV4Extended(), fc.ipV6(), embeddedV4, fc.string({ unit: ipChars, maxLength: 45 })),
        (text) => {
          const r = parseIpBlock(text);
          const family = isIP(text);
          expect(r.ok).toBe(family !== 0);
          if (r.ok && family === 6) expect(`[${r.block.network}]`).toBe(new URL(`http://[${text}]`).hostname);
          if (r.ok && family === 4) expect(r.block.network).toBe(text);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
