/**
 * Every `az` call the reconcile scripts and `regfence plan` make, replayed against the real Azure CLI (Debian's
 * azure-cli, 2.45) without a login: argument parsing runs before the login check, so each call
 * must fail with "Please run 'az login'" and nothing else. A misspelt option, a value outside an
 * enum or a JMESPath the CLI cannot compile fails here with exit 2 instead.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { azureState } from "../../../src/targets/azure/plan-azure.ts";
import { program, registryNode, Sandbox, scenarios, scriptFor, serviceState } from "./harness.ts";

const az = spawnSync("sh", ["-c", "command -v az"], { encoding: "utf8" }).stdout.trim();
const requireAz = process.env["REGFENCE_REQUIRE_AZ"] === "1";
if (az === "" && !requireAz) console.warn("skipping the Azure CLI replay: az is not installed (apt-get install -y azure-cli)");

interface Replay {
  readonly argv: readonly string[];
  readonly status: number | null;
  readonly stderr: string;
}

function replay(argv: readonly string[], configDir: string): Promise<Replay> {
  const env = { PATH: process.env["PATH"] ?? "", HOME: configDir, AZURE_CONFIG_DIR: configDir, AZURE_CORE_COLLECT_TELEMETRY: "false" };
  return new Promise((resolve) => {
    execFile(az, [...argv], { env, encoding: "utf8" }, (error, _stdout, stderr) => {
      resolve({ argv, status: error === null ? 0 : typeof error.code === "number" ? error.code : null, stderr });
    });
  });
}

/** Runs `tasks` at most `limit` at a time: each `az` start costs about a second of CPU. */
async function pool<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++;
      const task = tasks[index];
      if (task !== undefined) results[index] = await task();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

describe.skipIf(az === "" && !requireAz)("the real Azure CLI accepts every call the scripts make", () => {
  let sandbox: Sandbox;
  /** One clean config dir for the whole replay: no login, and the CLI's command index built once. */
  let home: string;
  beforeAll(async () => {
    sandbox = await Sandbox.create();
    home = mkdtempSync(path.join(tmpdir(), "regfence-az-config-"));
  });
  afterAll(() => {
    sandbox.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  it("fails each one only for want of a login", { timeout: 300_000 }, async () => {
    expect(az, "az is not on PATH (REGFENCE_REQUIRE_AZ=1)").not.toBe("");
    const calls = new Map<string, readonly string[]>();
    for (const scenario of scenarios) {
      const script = await scriptFor(scenario.policy);
      for (const run of [sandbox.run(script, scenario.drifted), sandbox.run(script, scenario.drifted, { args: ["--dry-run"] })]) {
        expect([0, 3]).toContain(run.status);
        for (const call of run.calls) calls.set(JSON.stringify(call), call);
      }
    }
    const basic = sandbox.run(await scriptFor({}), serviceState({ sku: "Basic" }));
    for (const call of basic.calls) calls.set(JSON.stringify(call), call);
    for (const scenario of scenarios) {
      const source = { kind: "live", environment: sandbox.azEnvironment(scenario.drifted) } as const;
      const report = await azureState.read({ program: program(registryNode(scenario.policy)), options: undefined, artifacts: [], source });
      expect(report.items[0]?.failure).toBeUndefined();
      for (const call of sandbox.calls()) calls.set(JSON.stringify(call), call);
    }
    const commands = new Set([...calls.values()].map((call) => call.slice(0, call[0] === "rest" ? 1 : call[1] === "network-rule" ? 3 : 2).join(" ")));
    expect([...commands].sort()).toEqual(["acr network-rule list", "acr show", "rest"]);

    // The first call builds the command index the others then reuse.
    const [first, ...rest] = [...calls.values()];
    if (first === undefined) throw new Error("the scripts made no az calls");
    const replays = [await replay(first, home), ...(await pool(rest.map((argv) => () => replay(argv, home)), availableParallelism()))];
    const rejected = replays.filter(({ status, stderr }) => status !== 1 || stderr.trim() !== "ERROR: Please run 'az login' to setup account.");
    expect(rejected.map(({ argv, status, stderr }) => ({ argv, status, stderr: stderr.trim() }))).toEqual([]);

    // The check can fail: a value outside the CLI's enum is refused before the login check.
    const control = await replay(["rest", "--method", "patchy", "--url", "/subscriptions/x?api-version=2023-07-01", "-o", "none"], home);
    expect(control.status).toBe(2);
    expect(control.stderr).toContain("'patchy' is not a valid value for '--method'");
  });
});
