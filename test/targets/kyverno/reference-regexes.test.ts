import fc from "fast-check";
import { RE2JS } from "re2js";
import { describe, expect, it } from "vitest";
import { parseImageReference } from "../../../src/ir/docker-reference.ts";
import { grammar, hubNameTooLong, imageId, literal, pathLengthOk } from "../../../src/targets/kyverno/reference-regexes.ts";
import { conformanceTable } from "./conformance-table.ts";

const regexes = { grammar, pathLengthOk, hubNameTooLong, imageId };
const re2 = Object.fromEntries(Object.entries(regexes).map(([name, source]) => [name, RE2JS.compile(source)])) as Record<keyof typeof regexes, RE2JS>;
const js = Object.fromEntries(Object.entries(regexes).map(([name, source]) => [name, new RegExp(source)])) as Record<keyof typeof regexes, RegExp>;

/** Validity as the emitted policies decide it, with RE2 (ClusterPolicy) or RegExp (cel-js). */
function validBy(engine: Record<keyof typeof regexes, { test(text: string): boolean }>, text: string): boolean {
  return engine.grammar.test(text) && engine.pathLengthOk.test(text) && !engine.hubNameTooLong.test(text) && !engine.imageId.test(text);
}

const HEX = "0123456789abcdef";
const piece = fc.constantFrom("a", "b", "z", "0", "9", "A", "Z", ".", "_", "__", "-", "--", "/", ":", "@", "[", "]", "::1", "localhost", "docker.io", "index.docker.io", "gcr.io", "5000", "sha256:", "sha512:", "x".repeat(120), HEX.repeat(4), HEX.repeat(8));
const junk = fc.array(piece, { maxLength: 12 }).map((pieces) => pieces.join(""));

const component = fc.stringMatching(/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/, { maxLength: 12 });
const reference = fc
  .record({
    domain: fc.option(fc.constantFrom("docker.io", "index.docker.io", "gcr.io", "localhost", "localhost:5000", "[::1]:5000", "Registry.Example.com", "a-b.c", "-bad.io", "UPPER"), { nil: undefined }),
    path: fc.array(component, { minLength: 1, maxLength: 4 }),
    tag: fc.option(fc.stringMatching(/^[\w][\w.-]{0,20}$/), { nil: undefined }),
    digest: fc.option(fc.constantFrom(`sha256:${HEX.repeat(4)}`, `sha512:${HEX.repeat(8)}`, `sha384:${HEX.repeat(6)}`, "sha256:abc", `md5:${HEX.repeat(2)}`), { nil: undefined }),
  })
  .map(({ domain, path, tag, digest }) => `${domain === undefined ? "" : `${domain}/`}${path.join("/")}${tag === undefined ? "" : `:${tag}`}${digest === undefined ? "" : `@${digest}`}`);
const long = fc.tuple(fc.constantFrom("", "docker.io/", "gcr.io/", "org/", "localhost:5000/"), fc.integer({ min: 240, max: 260 }), fc.constantFrom("", ":1", `@sha256:${HEX.repeat(4)}`)).map(([prefix, length, suffix]) => `${prefix}${"a".repeat(length)}${suffix}`);

describe("the policies' validity regexes decide exactly as parseImageReference", () => {
  it.each(conformanceTable.flatMap((row) => [row.image, row.rewritten]))("%s", (image) => {
    expect(validBy(re2, image)).toBe(parseImageReference(image).ok);
    expect(validBy(js, image)).toBe(parseImageReference(image).ok);
  });

  it("on generated references, look-alikes and junk (RE2 and RegExp alike)", () => {
    fc.assert(
      fc.property(fc.oneof(reference, long, junk), (image) => {
        const expected = parseImageReference(image).ok;
        expect(validBy(re2, image)).toBe(expected);
        expect(validBy(js, image)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("regex hygiene", () => {
  it("uses nothing RE2 lacks and nothing that breaks a raw string", () => {
    for (const source of Object.values(regexes)) {
      expect(source).not.toMatch(/\(\?[=!<]|\\[1-9]|'|\\\\/);
      expect(() => RE2JS.compile(source)).not.toThrow();
    }
  });

  it.each([
    ["harbor.myco.com", "harbor\\.myco\\.com"],
    ["[::1]:5000", "\\[::1\\]:5000"],
    ["registry-1.docker.io", "registry-1\\.docker\\.io"],
  ])("escapes %s", (host, escaped) => {
    expect(literal(host)).toBe(escaped);
    expect(RE2JS.compile(`^${literal(host)}$`).test(host)).toBe(true);
  });
});
