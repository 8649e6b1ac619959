/** The report's quoting helpers, for every string: HTML text and attribute values, Markdown table cells. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { htmlText, markdownCell } from "../../src/render/quote.ts";

const decodeHtml = (text: string): string => text.replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" })[name] ?? "");

describe("htmlText", () => {
  it("leaves no character HTML gives meaning, and decodes back to the value", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (value) => {
        const quoted = htmlText(value);
        expect(quoted).not.toMatch(/[<>"']/);
        expect(quoted).not.toMatch(/&(?!(amp|lt|gt|quot|#39);)/);
        expect(decodeHtml(quoted)).toBe(value);
      }),
    );
  });
});

describe("markdownCell", () => {
  it("keeps a value on one line with no unescaped pipe or backtick", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (value) => {
        const cell = markdownCell(value);
        expect(cell).not.toMatch(/[\r\n\u2028\u2029]/);
        // Every | and ` is preceded by an odd number of backslashes: escaped.
        for (const match of cell.matchAll(/(\\*)[|`]/g)) expect((match[1] ?? "").length % 2).toBe(1);
      }),
    );
  });
});
