import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/run-cli.ts";

describe("output into a pipe that closes early", () => {
  it("ends quietly, as `regfence explain … | head -1` expects", () => {
    const images = Array.from({ length: 400 }, (_, index) => `nginx:${index}`).join(" ");
    const bin = path.join(repoRoot, "bin", "regfence.js");
    const result = spawnSync("bash", ["-c", `set -o pipefail; node ${JSON.stringify(bin)} explain --no-typecheck ${images} | head -1`], {
      cwd: repoRoot,
      encoding: "utf8",
    });
    expect(result.stdout).toBe("admitted  nginx:0 → harbor.myco.com/docker.io/nginx:0\n");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });
});
