import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { diagnosticCatalogue } from "../../src/diagnostics/catalogue.ts";
import { repoRoot } from "../helpers/run-cli.ts";

/** The README's diagnostics table, row by row. */
function readmeRows(): { code: string; severity: string; meaning: string }[] {
  const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
  return [...readme.matchAll(/^\| (RF\d{4}) \| (error|warning|info) \| (.*) \|$/gm)].map(([, code = "", severity = "", meaning = ""]) => ({ code, severity, meaning }));
}

/** Every source file's text. */
function sources(): string {
  return readdirSync(path.join(repoRoot, "src"), { recursive: true })
    .map(String)
    .filter((file) => file.endsWith(".ts") && !file.endsWith("catalogue.ts"))
    .map((file) => readFileSync(path.join(repoRoot, "src", file), "utf8"))
    .join("\n");
}

describe("the diagnostic catalogue", () => {
  it("is the README's table, row for row", () => {
    expect(readmeRows()).toEqual(Object.entries(diagnosticCatalogue).map(([code, { severity, meaning }]) => ({ code, severity, meaning })));
  });

  it("has no code the sources never report, and every finding has the catalogue's severity", () => {
    const text = sources();
    const unused = Object.keys(diagnosticCatalogue).filter((code) => !text.includes(`"${code}"`));
    expect(unused).toEqual([]);
    const reported = [...text.matchAll(/findings\.(error|warning|info)\(\s*"(RF\d{4})"/g)].map(([, severity = "", code = ""]) => ({ code, severity }));
    expect(reported.length).toBeGreaterThan(50);
    expect(reported.filter(({ code, severity }) => diagnosticCatalogue[code as keyof typeof diagnosticCatalogue].severity !== severity)).toEqual([]);
  });
});
