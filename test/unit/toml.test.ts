import fc from "fast-check";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { tomlString, tomlValue } from "../../src/render/toml.ts";

/** Every string regfence may put in a TOML file reads back, through a TOML parser, as itself. */
describe("TOML quoting", () => {
  it("round-trips any string without lone surrogates (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-composite" }), (value) => {
        expect(parse(`key = ${tomlString(value)}`)).toEqual({ key: value });
      }),
      { numRuns: 500 },
    );
  });

  it("round-trips control characters, quotes, backslashes and lines (property)", () => {
    const hostile = fc.string({ unit: fc.constantFrom("\u0000", "\u0008", "\u001f", "\u007f", '"', "\\", "\n", "\r", "\t", "'", "#", "]", "=", "a", "é", "😀") });
    fc.assert(
      fc.property(hostile, fc.array(hostile, { maxLength: 4 }), fc.boolean(), (text, list, flag) => {
        expect(parse(`a = ${tomlValue(text)}\nb = ${tomlValue(list)}\nc = ${tomlValue(flag)}`)).toEqual({ a: text, b: list, c: flag });
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ["plain", "/etc/pki/ca.crt", '"/etc/pki/ca.crt"'],
    ["a quote and a backslash", 'a"b\\c', '"a\\"b\\\\c"'],
    ["a newline", "a\nb", '"a\\nb"'],
    ["DEL", "\u007f", '"\\u007F"'],
  ])("%s", (_, value, expected) => {
    expect(tomlString(value)).toBe(expected);
  });

  it("refuses a lone surrogate, which TOML cannot hold", () => {
    expect(() => tomlString("\ud800")).toThrow("lone UTF-16 surrogate");
  });
});
