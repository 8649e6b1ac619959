/**
 * refinePositions: from a DSL call's position plus an argument path to the exact value written.
 *
 * Only syntax is read (ts-morph, in memory), no module is resolved, so the policy sources live in
 * the OS temp directory and are given relative to it as cwd, as the loader gives them.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Finding } from "../../src/diagnostics/finding.ts";
import type { PathSegment } from "../../src/diagnostics/source-anchor.ts";
import { refinePositions } from "../../src/load/refine-positions.ts";

const policySource = `import { azureRegistry, definePolicy, network, type IpRule } from "regfence";

const shared = { resourceGroup: "rg", publicAccess: "disabled" } as const;
const sharedRules = [{ cidr: "10.9.0.0/16", description: "shared" }];
const resourceGroup = "short";

export const prod = network("prod", [
  { cidr: "192.0.2.0/24", description: "a" },
  { cidr: "198.51.100.0/24", description: "b" },
]);
export const asConst = network("c", [{ cidr: "10.1.0.0/16", description: "c" }] as const);
export const satisfied = network("s", [{ cidr: "10.2.0.0/16", description: "s" }] satisfies IpRule[]);
export const paren = network("p", ([{ cidr: "10.4.0.0/16", description: "p" }]));
export const objectAsConst = azureRegistry("oac", { resourceGroup: "oac-rg" } as const);
export const both = network("b", [{ cidr: "10.3.0.0/16", description: "b" }] as const satisfies readonly IpRule[]);
export const viaVariable = network("v", sharedRules);
export const acr = azureRegistry("acr", shared);
export const shorthand = azureRegistry("sh", { resourceGroup });
export const spread = azureRegistry("sp", { ...shared, subscription: "sub" });

export default definePolicy({
  name: "p",
  admission: { allow: ["a.io", "b.io"], excludeNamespaces: ["kube-system"] },
  registries: [acr, azureRegistry("inner", { resourceGroup: "inner-rg", networks: [prod] })],
});
`;

// The same policy with Windows line endings.
const crlfSource = policySource.replace(/\n/g, "\r\n");

let cwd = "";

beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), "regfence-refine-"));
  await writeFile(path.join(cwd, "lf.policy.ts"), policySource);
  await writeFile(path.join(cwd, "crlf.policy.ts"), crlfSource);
});

afterAll(async () => {
  if (cwd !== "") await rm(cwd, { recursive: true, force: true });
});

/** 1-based line and column of the `occurrence`-th `needle` (LF source; CRLF has the same lines). */
function positionOf(needle: string, occurrence = 1): { line: number; column: number } {
  let index = -1;
  for (let seen = 0; seen < occurrence; seen++) {
    index = policySource.indexOf(needle, index + 1);
    if (index < 0) throw new Error(`"${needle}" (#${occurrence}) not in the source`);
  }
  const before = policySource.slice(0, index).split("\n");
  return { line: before.length, column: (before.at(-1) ?? "").length + 1 };
}

function finding(file: string, call: string, path: readonly PathSegment[], occurrence = 1): Finding {
  return { code: "RF2002", severity: "error", message: "m", at: { file, ...positionOf(call, occurrence), path } };
}

async function refineOne(item: Finding): Promise<{ file: string; line: number; column: number }> {
  const [refined] = await refinePositions([item], cwd);
  if (refined === undefined) throw new Error("no diagnostic");
  return { file: refined.file, line: refined.line, column: refined.column };
}

interface Row {
  readonly name: string;
  /** Text at the start of the DSL call the anchor names (its position as V8 reports it). */
  readonly call: string;
  readonly callOccurrence?: number;
  readonly path: readonly PathSegment[];
  /** Text at the expected position. */
  readonly expected: string;
  readonly expectedOccurrence?: number;
}

const rows: readonly Row[] = [
  { name: "first argument", call: 'network("prod"', path: [0], expected: '"prod"' },
  { name: "array element", call: 'network("prod"', path: [1, 1], expected: '{ cidr: "198.51.100.0/24"' },
  { name: "object key in an array element", call: 'network("prod"', path: [1, 0, "cidr"], expected: '"192.0.2.0/24"' },
  { name: "another key of another element", call: 'network("prod"', path: [1, 1, "description"], expected: '"b"' },
  { name: "key of an options object", call: 'azureRegistry("inner"', path: [1, "resourceGroup"], expected: '"inner-rg"' },
  { name: "nested call: the innermost call containing the position", call: 'azureRegistry("inner"', path: [1, "networks", 0], expected: "prod]" },
  { name: "nested call: a path from the outer call to the inner call", call: "definePolicy(", path: [0, "registries", 1], expected: 'azureRegistry("inner"' },
  { name: "plain object inside the outer call", call: "definePolicy(", path: [0, "admission", "allow", 1], expected: '"b.io"' },
  { name: "array `as const`", call: 'network("c"', path: [1, 0, "cidr"], expected: '"10.1.0.0/16"' },
  { name: "array `satisfies`", call: 'network("s"', path: [1, 0, "cidr"], expected: '"10.2.0.0/16"' },
  { name: "parenthesised array", call: 'network("p"', path: [1, 0, "cidr"], expected: '"10.4.0.0/16"' },
  { name: "object `as const`", call: 'azureRegistry("oac"', path: [1, "resourceGroup"], expected: '"oac-rg"' },
  { name: "shorthand property: the shorthand name", call: 'azureRegistry("sh"', path: [1, "resourceGroup"], expected: "resourceGroup })" },
  { name: "key written after a spread", call: 'azureRegistry("sp"', path: [1, "subscription"], expected: '"sub"' },
  // Through a variable the literal is elsewhere: the position stays at the variable as written in
  // the call (the deepest node the path reaches), inside the call that the anchor names.
  { name: "variable argument: stops at the variable", call: 'network("v"', path: [1, 0, "cidr"], expected: "sharedRules)" },
  { name: "variable options: stops at the variable", call: 'azureRegistry("acr"', path: [1, "resourceGroup"], expected: "shared)" },
  { name: "key only in a spread: stops at the object", call: 'azureRegistry("sp"', path: [1, "resourceGroup"], expected: "{ ...shared" },
  { name: "variable array element: stops at the element", call: "definePolicy(", path: [0, "registries", 0, 1, "resourceGroup"], expected: "acr, azureRegistry" },
  { name: "argument that does not exist: the call position", call: 'network("prod"', path: [5, 0], expected: 'network("prod"' },
  { name: "key that does not exist: the deepest node found", call: 'network("prod"', path: [1, 0, "missing"], expected: '{ cidr: "192.0.2.0/24"' },
];

describe("refinePositions", () => {
  it.each(rows)("$name", async ({ call, callOccurrence, path: argumentPath, expected, expectedOccurrence }) => {
    const want = { file: "lf.policy.ts", ...positionOf(expected, expectedOccurrence) };
    expect(await refineOne(finding("lf.policy.ts", call, argumentPath, callOccurrence))).toEqual(want);
    expect(await refineOne(finding("crlf.policy.ts", call, argumentPath, callOccurrence))).toEqual({ ...want, file: "crlf.policy.ts" });
  });

  // BUG (src/load/refine-positions.ts, step): only one wrapper (`as`, `satisfies`, parentheses) is
  // unwrapped, so the common `[…] as const satisfies readonly IpRule[]` stops at the whole array.
  it("sees through `as const satisfies T`", async () => {
    expect(await refineOne(finding("lf.policy.ts", 'network("b"', [1, 0, "cidr"]))).toEqual({ file: "lf.policy.ts", ...positionOf('"10.3.0.0/16"') });
  });

  it("keeps the anchor's position when there is nothing to refine", async () => {
    const call = positionOf('network("prod"');
    const cases: Finding[] = [
      // No path: the call itself.
      { code: "RF2001", severity: "error", message: "m", at: { file: "lf.policy.ts", ...call, path: [] } },
      // A whole-file finding (line 0).
      { code: "RF2002", severity: "error", message: "m", at: { file: "lf.policy.ts", line: 0, column: 0, path: [1, 0] } },
      // A file that cannot be read.
      { code: "RF2003", severity: "error", message: "m", at: { file: "missing.policy.ts", line: 3, column: 4, path: [1, 0] } },
      // A position outside every call.
      { code: "RF2004", severity: "error", message: "m", at: { file: "lf.policy.ts", line: 3, column: 1, path: [1, 0] } },
      // A position past the end of the file.
      { code: "RF2005", severity: "error", message: "m", at: { file: "lf.policy.ts", line: 999, column: 1, path: [1, 0] } },
    ];
    const refined = await refinePositions(cases, cwd);
    expect(refined.map(({ code, file, line, column }) => ({ code, file, line, column }))).toEqual([
      { code: "RF2001", file: "lf.policy.ts", ...call },
      { code: "RF2002", file: "lf.policy.ts", line: 0, column: 0 },
      { code: "RF2003", file: "missing.policy.ts", line: 3, column: 4 },
      { code: "RF2004", file: "lf.policy.ts", line: 3, column: 1 },
      { code: "RF2005", file: "lf.policy.ts", line: 999, column: 1 },
    ]);
  });

  it("keeps every other field and the order of the findings", async () => {
    const refined = await refinePositions(
      [
        { code: "RF2002", severity: "error", message: "host bits", hint: "write 10.0.0.0/8", at: { file: "lf.policy.ts", ...positionOf('network("prod"'), path: [1, 1, "cidr"] } },
        { code: "RF2004", severity: "warning", message: "covered", at: { file: "crlf.policy.ts", ...positionOf('network("c"'), path: [1, 0, "cidr"] } },
      ],
      cwd,
    );
    expect(refined).toEqual([
      { code: "RF2002", severity: "error", message: "host bits", hint: "write 10.0.0.0/8", file: "lf.policy.ts", ...positionOf('"198.51.100.0/24"') },
      { code: "RF2004", severity: "warning", message: "covered", file: "crlf.policy.ts", ...positionOf('"10.1.0.0/16"') },
    ]);
    expect(refined[1]).not.toHaveProperty("hint");
    expect(refined[0]).not.toHaveProperty("at");
  });

  it("returns an empty list for no findings", async () => {
    expect(await refinePositions([], cwd)).toEqual([]);
  });
});

describe("many findings in one file (audit R7)", () => {
  it("places each of 2,000 findings on its own literal, nested calls included", async () => {
    const count = 2000;
    const lines = Array.from({ length: count }, (_, index) => `export const n${index} = network("n${index}", [{ cidr: "10.${index >> 8}.${index & 255}.1/24", description: "d" }]);`);
    const source = `import { network } from "regfence";\n${lines.join("\n")}\n`;
    await writeFile(path.join(cwd, "many.policy.ts"), source);
    const findings: Finding[] = lines.map((line, index) => ({ code: "RF2002", severity: "error", message: "m", at: { file: "many.policy.ts", line: index + 2, column: line.indexOf("network(") + 1, path: [1, 0, "cidr"] } }));
    const refined = refinePositions(findings, cwd);
    expect(refined.map(({ line, column }) => `${line}:${column}`)).toEqual(lines.map((line, index) => `${index + 2}:${line.indexOf('"10.') + 1}`));
  });
});
