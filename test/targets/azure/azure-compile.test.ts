/**
 * The Azure rules as a user meets them: `regfence validate` on a policy, each finding at the
 * file:line:col of the literal that causes it. Runs the built CLI (`npm run build` first) in a
 * child process, as test/load does, from a `.regfence-test-*` directory in the repo.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Diagnostic } from "../../../src/diagnostics/diagnostic.ts";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url)).replace(/[\\/]$/, "");

const networks = `import { network } from "regfence";

export const office = network("office", [{ cidr: "192.0.2.0/24", description: "office" }]);
export const dualStack = network("dual-stack", [
  { cidr: "198.51.100.0/24", description: "v4" },
  { cidr: "2001:db8::/32", description: "v6" },
]);
`;

const policy = `import { azureRegistry, definePolicy, network } from "regfence";
import { dualStack, office } from "./networks.ts";

const many = network(
  "many",
  Array.from({ length: 101 }, (_, index) => ({ cidr: \`10.1.\${index}.0/24\`, description: "branch" })),
);

export default definePolicy({
  name: "azure-problems",
  registries: [
    azureRegistry("acr", { resourceGroup: "rg", networks: [dualStack] }),
    azureRegistry("manyRegistry", { resourceGroup: "rg", networks: [many] }),
    azureRegistry("closedRegistry", { resourceGroup: "rg", publicAccess: "disabled", networks: [office] }),
    azureRegistry("openRegistry", { resourceGroup: "rg", publicAccess: "all-networks", networks: [office] }),
    azureRegistry("OpenRegistry", { resourceGroup: "rg" }),
    azureRegistry("badLocation", { resourceGroup: "rg.", subscription: "Contoso\\nProduction" }),
  ],
});
`;

/** 1-based line and column of `needle` in `text`. */
function positionOf(text: string, needle: string): { line: number; column: number } {
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`"${needle}" is not in the source`);
  const before = text.slice(0, index).split("\n");
  return { line: before.length, column: (before.at(-1) ?? "").length + 1 };
}

function validate(directory: string): Promise<{ diagnostics: Diagnostic[] }> {
  const args = [path.join(repoRoot, "bin", "regfence.js"), "validate", directory, "--target", "azure", "--format", "json", "--no-typecheck"];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: repoRoot }, (error, stdout, stderr) => {
      if (error !== null && error.code !== 1) reject(new Error(`regfence validate failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as { diagnostics: Diagnostic[] });
    });
  });
}

describe("regfence validate --target azure", () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(repoRoot, ".regfence-test-azure-"));
    await writeFile(path.join(directory, "networks.ts"), networks);
    await writeFile(path.join(directory, "problems.policy.ts"), policy);
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it("reports every Azure problem at the literal that causes it", async () => {
    const { diagnostics } = await validate(directory);
    const relative = path.relative(repoRoot, directory);
    const at = (file: string, text: string, needle: string) => ({ file: `${relative}/${file}`, ...positionOf(text, needle) });
    expect(diagnostics.map(({ code, severity, file, line, column }) => ({ code, severity, file, line, column }))).toEqual([
      { code: "RF4002", severity: "error", ...at("networks.ts", networks, '"2001:db8::/32"') },
      { code: "RF4001", severity: "error", ...at("problems.policy.ts", policy, '"acr"') },
      { code: "RF4003", severity: "error", ...at("problems.policy.ts", policy, "[many]") },
      { code: "RF4004", severity: "warning", ...at("problems.policy.ts", policy, '"disabled"') },
      // Registries are sorted by name: "OpenRegistry" comes first, so "openRegistry" is the repeat.
      { code: "RF4008", severity: "error", ...at("problems.policy.ts", policy, '"openRegistry"') },
      { code: "RF4005", severity: "warning", ...at("problems.policy.ts", policy, '"all-networks"') },
      { code: "RF4006", severity: "error", ...at("problems.policy.ts", policy, '"rg."') },
      { code: "RF4007", severity: "error", ...at("problems.policy.ts", policy, '"Contoso\\nProduction"') },
    ]);
  });
});
