import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatImageReference,
  isRegistryHost,
  parseImageReference,
  parseRegistryPrefix,
  type ImageReference,
} from "../../src/ir/docker-reference.ts";

const HEX64 = "0123456789abcdef".repeat(4);
const HEX96 = "0123456789abcdef".repeat(6);
const HEX128 = "0123456789abcdef".repeat(8);

function ref(path: string, more: Partial<ImageReference> = {}): ImageReference {
  return { domain: undefined, tag: undefined, digest: undefined, ...more, path };
}

/** An expected parse: the reference, or a pattern the error message must match. */
type Expected = ImageReference | RegExp;

const rows: ReadonlyArray<readonly [string, Expected]> = [
  // Docker Hub, domain implied
  ["nginx", ref("nginx")],
  ["nginx:latest", ref("nginx", { tag: "latest" })],
  ["nginx:Latest", ref("nginx", { tag: "Latest" })],
  ["nginx:_x", ref("nginx", { tag: "_x" })],
  ["velero/velero:v1.6.2", ref("velero/velero", { tag: "v1.6.2" })],
  ["a_b/c-d.e", ref("a_b/c-d.e")],
  ["foo/a.b-c__d---e", ref("foo/a.b-c__d---e")],
  ["registry/a", ref("registry/a")],
  ["localhost", ref("localhost")],
  [`nginx@sha256:${HEX64}`, ref("nginx", { digest: `sha256:${HEX64}` })],
  [`app:1.0@sha256:${HEX64}`, ref("app", { tag: "1.0", digest: `sha256:${HEX64}` })],
  [`nginx:${"t".repeat(128)}`, ref("nginx", { tag: "t".repeat(128) })],
  // explicit domains
  ["docker.io/nirmata/kyverno:latest", ref("nirmata/kyverno", { domain: "docker.io", tag: "latest" })],
  ["docker.io/library/nginx", ref("library/nginx", { domain: "docker.io" })],
  ["index.docker.io/nginx", ref("nginx", { domain: "index.docker.io" })],
  ["gcr.io/heptio-images/eventrouter:v0.3", ref("heptio-images/eventrouter", { domain: "gcr.io", tag: "v0.3" })],
  ["quay.io/prometheus/node-exporter:v1.8.2", ref("prometheus/node-exporter", { domain: "quay.io", tag: "v1.8.2" })],
  ["localhost:5000/app", ref("app", { domain: "localhost:5000" })],
  ["localhost/app", ref("app", { domain: "localhost" })],
  ["[::1]:5000/app:1", ref("app", { domain: "[::1]:5000", tag: "1" })],
  ["[::1]/app", ref("app", { domain: "[::1]" })],
  ["[2001:db8::1]:443/team/app", ref("team/app", { domain: "[2001:db8::1]:443" })],
  ["registry:5000/a/b", ref("a/b", { domain: "registry:5000" })],
  ["192.168.1.10:5000/team/app:2024.01", ref("team/app", { domain: "192.168.1.10:5000", tag: "2024.01" })],
  ["my-registry.example.com:443/a/b/c/d", ref("a/b/c/d", { domain: "my-registry.example.com:443" })],
  // an uppercase first component is a host, so only the rest must be a lowercase path
  ["UPPER/x", ref("x", { domain: "UPPER" })],
  ["Registry.Example.com/app", ref("app", { domain: "Registry.Example.com" })],
  ["nginx:1/foo", ref("foo", { domain: "nginx:1" })],
  [`localhost:5000/app@sha512:${HEX128}`, ref("app", { domain: "localhost:5000", digest: `sha512:${HEX128}` })],
  [`example.com/app:v1@sha384:${HEX96}`, ref("app", { domain: "example.com", tag: "v1", digest: `sha384:${HEX96}` })],
  // length limit: 255 on the stored path, which includes Docker Hub's implied "library/"
  [`org/${"a".repeat(251)}`, ref(`org/${"a".repeat(251)}`)],
  [`org/${"a".repeat(252)}`, /must not be more than 255 characters/],
  ["a".repeat(247), ref("a".repeat(247))],
  ["a".repeat(248), /must not be more than 255 characters/],
  [`ghcr.io/${"a".repeat(255)}`, ref("a".repeat(255), { domain: "ghcr.io" })],
  [`ghcr.io/${"a".repeat(256)}`, /must not be more than 255 characters/],
  // invalid
  ["", /^reference is empty$/],
  ["Nginx", /^invalid reference format: repository name must be lowercase$/],
  ["UPPER", /must be lowercase/],
  ["UPPER/X", /must be lowercase/],
  ["localhost:5000/App", /must be lowercase/],
  ["UPPER/", /repository name is empty/],
  ["nginx:", /^invalid tag "": tag is empty$/],
  [":tag", /repository name is empty/],
  ["a//b", /empty path component/],
  ["a/b/", /empty path component/],
  ["/nginx", /empty path component/],
  ["-x", /invalid repository name "-x"/],
  ["a..b", /invalid repository name/],
  ["a___b", /invalid repository name/],
  ["a._b", /invalid repository name/],
  ["a/-b", /invalid repository name/],
  ["nginx latest", /invalid repository name/],
  [" nginx", /invalid repository name/],
  ["nginx ", /invalid repository name/],
  ["nginx:1 ", /invalid tag/],
  ["nginx:-x", /invalid tag "-x"/],
  ["nginx:.x", /invalid tag/],
  ["nginx:1:2", /invalid tag "1:2"/],
  [`nginx:${"t".repeat(129)}`, /invalid tag .*not be more than 128 characters/],
  ["nginx@sha256:short", /^invalid digest "sha256:short"/],
  ["nginx@", /invalid digest ""/],
  [`nginx@sha256:${HEX64.slice(1)}`, /sha256 needs exactly 64 lowercase hex digits/],
  [`nginx@sha256:${HEX64.toUpperCase()}`, /sha256 needs exactly 64 lowercase hex digits/],
  [`nginx@md5:${HEX64.slice(0, 32)}`, /unsupported digest algorithm "md5"/],
  [`nginx@sha256:${HEX64}@sha256:${HEX64}`, /invalid digest/],
  [HEX64, /is an image ID/],
  ["a.b_c/app", /invalid registry host "a.b_c"/],
  ["localhost:port/app", /invalid registry host/],
  ["example.com:/app", /invalid registry host/],
  ["[::1/app", /invalid registry host/],
  ["https://gcr.io/x", /invalid registry host "https:"/],
  ["-bad.com/app", /invalid registry host/],
];

function label(input: string): string {
  return JSON.stringify(input.length > 60 ? `${input.slice(0, 57)}...(${input.length})` : input);
}

describe("parseImageReference", () => {
  it("has a table of at least 40 rows", () => {
    expect(rows.length).toBeGreaterThanOrEqual(40);
  });

  for (const [input, expected] of rows) {
    it(label(input), () => {
      const result = parseImageReference(input);
      if (expected instanceof RegExp) {
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.error).toMatch(expected);
      } else {
        expect(result).toEqual({ ok: true, value: expected });
        if (result.ok) expect(formatImageReference(result.value)).toBe(input);
      }
    });
  }
});

describe("isRegistryHost", () => {
  it.each([
    "docker.io",
    "localhost",
    "localhost:5000",
    "registry:5000",
    "registry",
    "[::1]",
    "[::1]:5000",
    "[2001:DB8::1]",
    "192.168.0.1",
    "Example.COM",
    "xn--bcher-kva.example",
    "a",
  ])("accepts %s", (host) => {
    expect(isRegistryHost(host)).toBe(true);
  });

  it.each([
    "",
    "-a.com",
    "a-.com",
    "a..com",
    ".a.com",
    "a.com:",
    "a.com:port",
    "[::1",
    "[]",
    "[::1]:",
    "[fe80::1%eth0]",
    "a_b.com",
    "a.com/x",
    "exa mple.com",
    "a.com:5000:1",
  ])("rejects %j", (host) => {
    expect(isRegistryHost(host)).toBe(false);
  });
});

describe("parseRegistryPrefix", () => {
  it.each([
    ["harbor.myco.com", { host: "harbor.myco.com", path: undefined }],
    ["harbor.myco.com/team-a", { host: "harbor.myco.com", path: "team-a" }],
    ["harbor.myco.com/team-a/sub", { host: "harbor.myco.com", path: "team-a/sub" }],
    ["localhost:5000", { host: "localhost:5000", path: undefined }],
    ["localhost", { host: "localhost", path: undefined }],
    ["registry:5000", { host: "registry:5000", path: undefined }],
    ["[::1]:5000/a/b", { host: "[::1]:5000", path: "a/b" }],
    ["docker.io/library", { host: "docker.io", path: "library" }],
  ])("accepts %s", (input, value) => {
    expect(parseRegistryPrefix(input)).toEqual({ ok: true, value });
  });

  it.each([
    ["", /^registry prefix is empty$/],
    ["harbor", /Docker Hub namespace/],
    ["team-a/app", /Docker Hub namespace.*docker\.io\/team-a\/app/],
    ["harbor.myco.com/", /repository name is empty/],
    ["harbor.myco.com//x", /empty path component/],
    ["harbor.myco.com/Team", /must be lowercase/],
    ["harbor.myco.com/app:1", /tag is not allowed/],
    [`harbor.myco.com/app@sha256:${HEX64}`, /digest is not allowed/],
    ["bad_host.com/app", /"bad_host.com" is not a valid registry host/],
    ["/app", /registry host is missing/],
    ["harbor.myco.com:http", /not a valid registry host/],
  ])("rejects %j", (input, error) => {
    const result = parseRegistryPrefix(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(error);
  });
});

// Arbitraries built from the grammar's parts (distribution/reference regexp.go).
const chars = (alphabet: string) => fc.constantFrom(...alphabet);
const LOWER_DIGITS = "abcdefghijklmnopqrstuvwxyz0123456789";
const LETTERS_DIGITS = `${LOWER_DIGITS}ABCDEFGHIJKLMNOPQRSTUVWXYZ`;
const WORD = `${LETTERS_DIGITS}_`;

const alphanumeric = fc.string({ unit: chars(LOWER_DIGITS), minLength: 1, maxLength: 6 });
const separator = fc.oneof(
  fc.constantFrom(".", "_", "__"),
  fc.string({ unit: fc.constant("-"), minLength: 1, maxLength: 3 }),
);
const pathComponent = fc
  .tuple(alphanumeric, fc.array(fc.tuple(separator, alphanumeric), { maxLength: 3 }))
  .map(([head, tail]) => head + tail.map(([sep, alnum]) => sep + alnum).join(""));
const path = fc.array(pathComponent, { minLength: 1, maxLength: 4 }).map((parts) => parts.join("/"));

const domainComponent = fc.oneof(
  chars(LETTERS_DIGITS),
  fc
    .tuple(chars(LETTERS_DIGITS), fc.string({ unit: chars(`${LETTERS_DIGITS}-`), maxLength: 5 }), chars(LETTERS_DIGITS))
    .map(([a, b, c]) => a + b + c),
);
const port = fc.integer({ min: 0, max: 65535 }).map((n) => `:${n}`);
// Docker needs a ":" to read a bracketed first component as a host, as real IPv6 literals have.
const ipv6Part = fc.string({ unit: chars("0123456789abcdefABCDEF:"), maxLength: 6 });
const ipv6 = fc.tuple(ipv6Part, ipv6Part).map(([a, b]) => `[${a}:${b}]`);
// Only hosts Docker reads as hosts in first position: with a ".", a port, localhost or an IPv6 literal.
const domain = fc.oneof(
  fc.array(domainComponent, { minLength: 2, maxLength: 3 }).map((parts) => parts.join(".")),
  fc.tuple(fc.array(domainComponent, { minLength: 1, maxLength: 3 }), port).map(([parts, p]) => parts.join(".") + p),
  fc.constantFrom("localhost", "docker.io", "index.docker.io"),
  fc.tuple(ipv6, fc.option(port, { nil: "" })).map(([host, p]) => host + p),
);
const tag = fc
  .tuple(chars(WORD), fc.string({ unit: chars(`${WORD}.-`), maxLength: 127 }))
  .map(([first, rest]) => first + rest);
const hex = (length: number) => fc.string({ unit: chars("0123456789abcdef"), minLength: length, maxLength: length });
const digest = fc.oneof(
  hex(64).map((h) => `sha256:${h}`),
  hex(96).map((h) => `sha384:${h}`),
  hex(128).map((h) => `sha512:${h}`),
);

const imageReference: fc.Arbitrary<ImageReference> = fc
  .record({
    domain: fc.option(domain, { nil: undefined }),
    path,
    tag: fc.option(tag, { nil: undefined }),
    digest: fc.option(digest, { nil: undefined }),
  })
  // Without a domain, a first component containing "." would be read as one.
  .filter((r) => r.domain !== undefined || !r.path.split("/")[0]!.includes("."));

describe("properties", () => {
  it("format(parse(x)) === x, and parse recovers the parts, for grammar-generated references", () => {
    fc.assert(
      fc.property(imageReference, (expected) => {
        const text = formatImageReference(expected);
        const result = parseImageReference(text);
        expect(result).toEqual({ ok: true, value: expected });
        if (result.ok) expect(formatImageReference(result.value)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it("parse never throws, and whatever it accepts formats back to the input", () => {
    const referenceish = fc.string({ unit: chars("aZ09.-_:/@[]sh "), maxLength: 40 });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "grapheme", maxLength: 300 }), fc.string(), referenceish), (text) => {
        const result = parseImageReference(text);
        if (result.ok) expect(formatImageReference(result.value)).toBe(text);
        else expect(result.error).toEqual(expect.any(String));
        const prefix = parseRegistryPrefix(text);
        expect(typeof prefix.ok).toBe("boolean");
      }),
      { numRuns: 3000 },
    );
  });
});
