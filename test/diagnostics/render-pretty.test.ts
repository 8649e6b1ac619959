import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.ts";
import { renderPretty, visible } from "../../src/diagnostics/render-pretty.ts";

const diagnostic = (message: string, hint?: string): Diagnostic => ({ code: "RF2001", severity: "error", message, file: "policies/p.policy.ts", line: 0, column: 0, ...(hint === undefined ? {} : { hint }) });

describe("pretty diagnostics under hostile values (audit R6)", () => {
  it("a value cannot forge a diagnostic line or drive the terminal", () => {
    const forged = 'not a cidr "x"\npolicies/other.policy.ts:1:1 error RF0000 forged\u001b[2J\u202eevil';
    const rendered = renderPretty([diagnostic(forged, "fix\rit")], process.cwd(), false);
    expect(rendered.split("\n")).toEqual([
      'policies/p.policy.ts error RF2001 not a cidr "x"\\npolicies/other.policy.ts:1:1 error RF0000 forged\\u001b[2J\\u202eevil',
      "  hint: fix\\rit",
    ]);
  });

  it("property: whatever the message, one diagnostic renders as one line plus its hint, with no control character", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (message, hint) => {
        const lines = renderPretty([diagnostic(message, hint)], process.cwd(), false).split("\n");
        expect(lines).toHaveLength(2);
        for (const line of lines) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u);
      }),
    );
  });

  it("visible() keeps what is asked and escapes the rest", () => {
    expect(visible("a\tb\nc", "\t")).toBe("a\tb\\nc");
  });
});
