/**
 * Broken and unusual policy files as users write them (audit R1, R2, R5, D6): each problem at its
 * own file, line and column, and every other check of the policy still made.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.ts";
import { createProject, positionOf, removeProjects } from "../helpers/run-cli.ts";

afterAll(removeProjects);

async function diagnosticsOf(files: Record<string, string>, typeCheck: boolean): Promise<{ status: number | null; diagnostics: Diagnostic[] }> {
  const project = await createProject(files);
  const result = await project.run(["validate", "--format", "json", ...(typeCheck ? [] : ["--no-typecheck"])]);
  return { status: result.status, diagnostics: (JSON.parse(result.stdout) as { diagnostics: Diagnostic[] }).diagnostics };
}

const where = (diagnostic: Diagnostic | undefined) => (diagnostic === undefined ? undefined : `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}`);

describe("policy files that are not what regfence expects", { timeout: 120_000 }, () => {
  it("a default export not made by definePolicy is located at the export (R1)", async () => {
    const plain = 'import { network } from "regfence";\nconst unused = network;\n\n/* export default here is a comment */\nexport default {\n  name: "plain",\n};\n';
    const fn = "// a policy\nexport default function () {\n  return 1;\n}\n";
    const { status, diagnostics } = await diagnosticsOf({ "policies/plain.policy.ts": plain, "policies/fn.policy.ts": fn }, false);
    expect(status).toBe(1);
    expect(diagnostics.map((diagnostic) => [where(diagnostic), diagnostic.code, diagnostic.message])).toEqual([
      [positionOf("policies/fn.policy.ts", fn, "export default"), "RF1010", "the default export is a function, not a definePolicy(…) value"],
      [positionOf("policies/plain.policy.ts", plain, "export default {"), "RF1010", "the default export is a plain object, not a definePolicy(…) value"],
    ]);
  });

  it.each([false, true])("a file whose path holds %%, #, [ ], a space and non-ASCII letters is reported under its real name (R2, type-check %s)", async (typeCheck) => {
    const file = "policies/sub%20 #[x]é/c.policy.ts";
    const source = 'import { definePolicy, network } from "regfence";\nconst n = network("n", [{ cidr: "10.0.0.1/8", description: "d" }]);\nexport default definePolicy({ name: "c", networks: [n] });\n';
    const { diagnostics } = await diagnosticsOf({ [file]: source }, typeCheck);
    expect(diagnostics.map((diagnostic) => [where(diagnostic), diagnostic.code])).toEqual([[positionOf(file, source, '"10.0.0.1/8"'), "RF2002"]]);
  });

  it("import.meta.url is the policy's own location, so it reads a file next to itself (R5)", async () => {
    const source = `import { readFileSync } from "node:fs";
import { definePolicy, network, ovhRegistry, type IpRule } from "regfence";

const rules = JSON.parse(readFileSync(new URL("./ranges.json", import.meta.url), "utf8")) as IpRule[];
const office = network("office", rules);
export default definePolicy({
  name: "r5",
  registries: [ovhRegistry("mpr", { serviceName: "0123456789abcdef0123456789abcdef", registryId: "3f8e2d4c-9b1a-4c6e-8d2f-7a5b3c1e9f04", management: [office], registry: [office] })],
});
`;
    const project = await createProject({ "policies/r5.policy.ts": source, "policies/ranges.json": '[{ "cidr": "192.0.2.0/24", "description": "from json" }]' });
    const result = await project.run(["compile", "--no-typecheck"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const { readFile } = await import("node:fs/promises");
    expect(JSON.parse(await readFile(project.path("out/ovh/mpr/management.json"), "utf8"))).toEqual([{ description: "from json", ipBlock: "192.0.2.0/24" }]);
  });

  it("a thrown value that is not an Error is located at the policy's throw (R6)", async () => {
    const source = 'import { definePolicy } from "regfence";\nconst go = () => {\n  throw "plain string";\n};\ngo();\nexport default definePolicy({ name: "x" });\n';
    const { diagnostics } = await diagnosticsOf({ "policies/x.policy.ts": source }, false);
    expect(diagnostics.map((diagnostic) => [where(diagnostic), diagnostic.code, diagnostic.message])).toEqual([
      [positionOf("policies/x.policy.ts", source, "throw"), "RF1003", "the policy threw while being evaluated: plain string"],
    ]);
  });

  it("a config file that throws is named (R6)", async () => {
    const project = await createProject({ "regfence.config.mjs": 'throw new Error("config broke");\nexport default {};\n', "policies/x.policy.ts": 'import { definePolicy } from "regfence";\nexport default definePolicy({ name: "x" });\n' });
    const result = await project.run(["validate", "--no-typecheck"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("regfence: cannot load regfence.config.mjs: config broke\n");
  });

  it("one shape error no longer hides the policy's other checks (D6)", async () => {
    const source = `import { definePolicy, harborProxyCache } from "regfence";
export default definePolicy({
  name: "Harbor_Cache",
  proxyCache: harborProxyCache({ host: "harbor", upstreams: ["docker.io", "docker.io"] }),
  admission: { mode: "Enforce", allow: ["registry.myco.com"], timeoutSeconds: 60, excludeNamespaces: ["Bad_NS"] },
});
`;
    const { status, diagnostics } = await diagnosticsOf({ "policies/p.policy.ts": source }, false);
    expect(status).toBe(1);
    expect(diagnostics.map((diagnostic) => diagnostic.code)).toEqual(["RF2101", "RF3001", "RF2104", "RF1010", "RF2106"]);
    expect(where(diagnostics.find((diagnostic) => diagnostic.code === "RF1010"))).toBe(positionOf("policies/p.policy.ts", source, "60"));
  });
});
