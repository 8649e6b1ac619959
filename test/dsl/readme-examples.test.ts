/**
 * Audit D7: the README's TypeScript examples type-check with plain `tsc` in a user's repository
 * that extends the shipped preset (`regfence/tsconfig.json`), `.ts` import extensions included,
 * exactly as regfence's own type-check sees them.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { createProject, removeProjects, repoRoot } from "../helpers/run-cli.ts";

afterAll(removeProjects);

const tsc = path.join(repoRoot, "node_modules", ".bin", "tsc");

async function typeCheck(dir: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await promisify(execFile)(tsc, ["-p", "tsconfig.json", "--pretty", "false"], { cwd: dir });
    return { code: 0, output: stdout };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string };
    return { code: failure.code ?? -1, output: failure.stdout ?? "" };
  }
}

/** The ```ts blocks of the README, without the indentation of list items. */
function readmeExamples(): string[] {
  const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
  return [...readme.matchAll(/^( *)```ts\n([\s\S]*?)^\1```$/gm)].map(([, indent = "", body = ""]) => body.split("\n").map((line) => line.slice(indent.length)).join("\n"));
}

describe("the README's examples with plain tsc and the shipped tsconfig preset", { timeout: 120_000 }, () => {
  it("type-check, the worked examples' .ts imports included", async () => {
    const examples = readmeExamples();
    expect(examples.length).toBeGreaterThanOrEqual(2);
    const files: Record<string, string> = { "tsconfig.json": JSON.stringify({ extends: "regfence/tsconfig.json", include: ["policies/**/*.ts", "*.ts"] }) };
    // An example that names its file in a first-line comment (`// policies/platform.policy.ts`) is written there, so another may import it.
    const fileOf = (example: string, index: number) => /^\/\/ (policies\/[\w.-]+\.ts)\n/.exec(example)?.[1] ?? (example.includes("defineConfig") ? "regfence.config.ts" : `policies/example-${index}.policy.ts`);
    for (const [index, example] of examples.entries()) files[fileOf(example, index)] = example;
    for (const file of ["networks.ts", "registries.policy.ts", "proxy-cache.policy.ts"]) files[`policies/${file}`] = readFileSync(path.join(repoRoot, "policies", file), "utf8");
    const project = await createProject(files);
    expect(await typeCheck(project.dir)).toEqual({ code: 0, output: "" });
  });

  it("and the check can fail: a literal password is a type error", async () => {
    const project = await createProject({
      "tsconfig.json": JSON.stringify({ extends: "regfence/tsconfig.json", include: ["policies/**/*.ts"] }),
      "policies/bad.policy.ts": 'import { credential } from "regfence";\nexport const c = credential("c", { server: "r.io", username: "u", password: "p" });\n',
    });
    const result = await typeCheck(project.dir);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("policies/bad.policy.ts(2,");
  });
});
