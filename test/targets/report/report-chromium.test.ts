/**
 * The access report of the worked examples, opened from disk in real headless Chromium: the
 * matrix shows each network's cells in words, the page requests nothing but itself (no font, no
 * script, no image from the network), and a screenshot is saved as a test artifact.
 */
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { visitPage } from "../../helpers/headless-chromium.ts";
import { repoRoot, runCli } from "../../helpers/run-cli.ts";

const chromium = spawnSync("sh", ["-c", "command -v chromium || command -v chromium-browser"], { encoding: "utf8" }).stdout.trim().split("\n")[0] ?? "";
const required = process.env["REGFENCE_REQUIRE_CHROMIUM"] === "1";

let out: string;
beforeAll(async () => {
  out = await mkdtemp(path.join(tmpdir(), "regfence-report-"));
  const result = await runCli(["compile", "--out", out, "--no-typecheck"]);
  expect(result.status).toBe(0);
});
afterAll(async () => rm(out, { recursive: true, force: true }));

/** The text of each cell of a row of the access matrix, by its network. */
function matrixRow(html: string, network: string): string[] {
  const row = new RegExp(`<tr><th scope="row"><a [^>]*>${network}</a>.*?</tr>`).exec(html)?.[0] ?? "";
  return [...row.matchAll(/<td class="cell [^"]*" data-state="([^"]+)">/g)].map((match) => match[1] ?? "");
}

describe.runIf(chromium !== "" || required)("the access report in headless Chromium", () => {
  it("shows the worked examples' matrix, requests nothing from the network, and is saved as a screenshot", { timeout: 60_000 }, async () => {
    expect(chromium, "chromium is not on PATH (REGFENCE_REQUIRE_CHROMIUM=1)").not.toBe("");
    const page = pathToFileURL(path.join(out, "report", "index.html")).href;
    const visit = await visitPage(chromium, page);
    // Columns: vch1, myContainerRegistry, mpr-prod management, mpr-prod registry.
    expect(matrixRow(visit.html, "production")).toEqual(["no", "reaches", "reaches", "no"]);
    expect(matrixRow(visit.html, "qa")).toEqual(["no", "no", "no", "reaches"]);
    expect(visit.html).toContain("harbor.myco.com/docker.io/example/app:1.0");
    expect(visit.html).toContain("RF6031");
    // Words carry the meaning, not colour alone.
    expect(visit.html).toMatch(/data-state="reaches">.*?reaches<\/a><\/td>/);
    expect(visit.requests).toEqual([page]);
    await mkdir(path.join(repoRoot, "artifacts"), { recursive: true });
    await writeFile(path.join(repoRoot, "artifacts", "report.png"), visit.screenshot);
    expect(visit.screenshot.subarray(1, 4).toString("latin1")).toBe("PNG");
  });
});
