/**
 * A set of policies larger than one tsc process checks (500): the type-check runs in chunks, before
 * evaluation, and still reports a type error in any chunk at its file and line.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createProject, removeProjects } from "../helpers/run-cli.ts";

afterAll(removeProjects);

const policy = (index: number, cidr: string) => `import { definePolicy, network } from "regfence";

export default definePolicy({ name: "p${index}", networks: [network("n${index}", [{ cidr: ${cidr}, description: "block ${index}" }])] });
`;

describe("a large set of policies", () => {
  it("reports a type error in the second chunk of the type-check", { timeout: 120_000 }, async () => {
    const files: Record<string, string> = {};
    for (let index = 0; index < 520; index++) files[`policies/p${String(index).padStart(3, "0")}.policy.ts`] = policy(index, `"10.${index >> 8}.${index & 255}.0/24"`);
    // The last file (in the second chunk of 500) passes a number where a CIDR string belongs.
    files["policies/p519.policy.ts"] = policy(519, "519");
    const project = await createProject(files);
    const result = await project.run(["validate"]);
    expect(result.stderr).toMatch(/policies\/p519\.policy\.ts:3:\d+ error TS2322/);
    expect(result.stderr).not.toMatch(/policies\/p(?!519)\d+\.policy\.ts:\d+:\d+ error/);
    expect(result.status).toBe(1);
  });
});
