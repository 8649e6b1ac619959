/**
 * The emitted reconcile scripts, run by bash against the stand-in `az` (nothing else on PATH):
 * convergence from drift, a second run that changes nothing, dry runs that change nothing, the
 * Premium precondition, argument handling. Every script is also checked by shellcheck.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseIpBlock } from "../../../src/ir/ip-block.ts";
import type { UpdateBehaviour } from "./fake-az.ts";
import { isMutating, Sandbox, scenarios, scriptFor, serviceState } from "./harness.ts";

/** Both ways `acr update` may treat the IP rules: the reference could not tell which the service does. */
const updateBehaviours: readonly UpdateBehaviour[] = ["keeps-rules", "drops-rules"];

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await Sandbox.create();
});
afterAll(() => sandbox.dispose());

/** The lines a run prints for its changes, without the indent and the dry-run "would". */
function changeLines(stdout: string): string[] {
  return stdout
    .split("\n")
    .filter((line) => /^ {2}(would )?(set|remove|add) /.test(line))
    .map((line) => line.trim().replace(/^would /, ""));
}

describe.each(scenarios)("$name", (scenario) => {
  let script: string;
  beforeAll(async () => {
    script = await scriptFor(scenario.policy);
  });

  it.each(updateBehaviours)("converges, then a second run changes nothing (acr update %s)", (update) => {
    const changes = update === "drops-rules" ? (scenario.changesIfUpdateDropsRules ?? scenario.changes) : scenario.changes;
    const first = sandbox.run(script, scenario.drifted, { update });
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.state).toEqual(scenario.converged);
    expect(changeLines(first.stdout)).toEqual(changes);
    expect(first.calls.filter(isMutating)).toHaveLength(changes.length);

    const second = sandbox.run(script, first.state, { update });
    expect(second.status).toBe(0);
    expect(second.state).toEqual(scenario.converged);
    expect(second.calls.filter(isMutating)).toEqual([]);
    expect(second.stdout).toContain("up to date");
  });

  it.each([
    ["--dry-run", { args: ["--dry-run"] }],
    ["DRY_RUN=1", { env: { DRY_RUN: "1" } }],
  ] as const)("%s prints the plan and leaves the registry untouched", (_, options) => {
    const run = sandbox.run(script, scenario.drifted, options);
    expect(run.status).toBe(0);
    expect(run.state).toEqual(scenario.drifted);
    expect(run.calls.filter(isMutating)).toEqual([]);
    expect(changeLines(run.stdout)).toEqual(scenario.changes);
    expect(run.stdout).toContain(`dry run: ${scenario.changes.length} change(s) planned, nothing changed`);
  });

  it("names the registry the same way on every call, quiet, and mutates with -o none", () => {
    const { calls } = sandbox.run(script, scenario.drifted);
    const { name, resourceGroup, subscription } = { name: "myContainerRegistry", resourceGroup: "myResourceGroup", subscription: null, ...scenario.policy };
    for (const call of calls) {
      expect(call).toContain(`--name=${name}`);
      expect(call).toContain(`--resource-group=${resourceGroup}`);
      expect(call.some((word) => word.startsWith("--subscription="))).toBe(subscription !== null);
      if (subscription !== null) expect(call).toContain(`--subscription=${subscription}`);
      expect(call).toContain("--only-show-errors");
      if (isMutating(call)) expect(call.slice(-2)).toEqual(["-o", "none"]);
    }
  });
});

describe("an acr update that drops the IP rules (the unverified worst case)", () => {
  it("is survived because the script updates before it reads the rules; updating last would lose them", async () => {
    const [scenario] = scenarios;
    if (scenario === undefined) throw new Error("no scenarios");
    const script = await scriptFor(scenario.policy);
    const update = /\nif \[\[ "\$public_access" != [^\n]*\n(?:  [^\n]*\n)+fi\n/.exec(script)?.[0];
    expect(update, "the script's update block").toBeDefined();
    const updateLast = script.replace(update ?? "", "\n").replace('\nif [[ "$changes" -eq 0 ]]', `${update ?? ""}if [[ "$changes" -eq 0 ]]`);
    expect(updateLast).not.toBe(script);

    expect(sandbox.run(script, scenario.drifted, { update: "drops-rules" }).state).toEqual(scenario.converged);
    expect(sandbox.run(updateLast, scenario.drifted, { update: "keeps-rules" }).state).toEqual(scenario.converged);
    const lost = sandbox.run(updateLast, scenario.drifted, { update: "drops-rules" });
    expect(lost.status).toBe(0);
    expect(lost.state).toEqual({ ...scenario.converged, ipRules: [] });
  });
});

describe("any drift", () => {
  const policyRules = ["192.0.2.1", "198.51.100.7/32", "10.0.0.0/8", "203.0.113.0/25"];
  const heldRules = ["192.0.2.1", "192.0.2.1/32", "198.51.100.7", "198.51.100.7/32", "10.0.0.0/8", "203.0.113.0/25", "203.0.113.128/25"];
  const normalised = (rule: string): string => {
    const parsed = parseIpBlock(rule);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.block.cidr;
  };

  it("converges to each desired block exactly once, and a second run changes nothing", { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(policyRules),
        fc.array(fc.constantFrom(...heldRules), { maxLength: 6 }),
        fc.constantFrom("Allow" as const, "Deny" as const),
        fc.constantFrom(...updateBehaviours),
        async (rules, ipRules, defaultAction, update) => {
          const script = await scriptFor({ rules });
          const first = sandbox.run(script, serviceState({ ipRules, defaultAction }), { update });
          expect(first.status).toBe(0);
          expect(first.state.defaultAction).toBe("Deny");
          expect(first.state.ipRules.map(normalised).sort()).toEqual(rules.map(normalised).sort());
          expect(sandbox.run(script, first.state, { update }).calls.filter(isMutating)).toEqual([]);
        },
      ),
      { numRuns: 8 },
    );
  });
});

describe("preconditions and arguments", () => {
  let script: string;
  beforeAll(async () => {
    script = await scriptFor({ rules: ["192.0.2.0/24"] });
  });

  it.each(["Basic", "Standard"] as const)("stops on a %s registry with a clear message and changes nothing", (sku) => {
    const drifted = serviceState({ sku, defaultAction: "Allow" });
    const run = sandbox.run(script, drifted);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `reconcile.sh: error: myContainerRegistry is on the ${sku} SKU; IP network rules need the Premium SKU (upgrade it with: az acr update --name myContainerRegistry --sku Premium)\n`,
    );
    expect(run.state).toEqual(drifted);
    expect(run.calls.map((call) => call.slice(0, 2))).toEqual([["acr", "show"]]);
  });

  it("stops when az fails (no login, no such registry) and changes nothing", () => {
    const elsewhere = serviceState({ name: "otherRegistry", defaultAction: "Allow" });
    const run = sandbox.run(script, elsewhere);
    expect(run.status).toBe(3);
    expect(run.stderr).toContain("(ResourceNotFound)");
    expect(run.calls.filter(isMutating)).toEqual([]);
  });

  it("says so when az is not on PATH", () => {
    const run = sandbox.run(script, serviceState(), { noAz: true });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe("reconcile.sh: error: the Azure CLI (az) is not on PATH; install it and run 'az login' first\n");
  });

  it.each([
    ["an unknown argument", { args: ["--apply"] }, 'unknown argument "--apply"'],
    ["DRY_RUN other than 0 or 1", { env: { DRY_RUN: "yes" } }, 'DRY_RUN must be 1 (dry run) or 0, not "yes"'],
  ] as const)("rejects %s with exit 2 before calling az", (_, options, message) => {
    const run = sandbox.run(script, serviceState(), options);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.calls).toEqual([]);
  });

  it("DRY_RUN=0 runs for real", () => {
    const run = sandbox.run(script, serviceState({ defaultAction: "Allow" }), { env: { DRY_RUN: "0" } });
    expect(run.status).toBe(0);
    expect(run.state.defaultAction).toBe("Deny");
  });

  it("--help prints the usage and calls nothing", () => {
    const run = sandbox.run(script, serviceState(), { args: ["--help"] });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: reconcile\.sh \[--dry-run\]\n/);
    expect(run.calls).toEqual([]);
  });
});

const shellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
const requireShellcheck = process.env["REGFENCE_REQUIRE_SHELLCHECK"] === "1";
if (!shellcheck && !requireShellcheck) console.warn("skipping shellcheck of the Azure scripts: shellcheck is not installed (apt-get install shellcheck)");

describe.skipIf(!shellcheck && !requireShellcheck)("shellcheck", () => {
  it("passes on the scripts of the golden fixtures", () => {
    const fixtures = fileURLToPath(new URL("../../fixtures/", import.meta.url));
    const scripts = readdirSync(fixtures)
      .filter((name) => name.startsWith("azure-"))
      .flatMap((name) => {
        const directory = path.join(fixtures, name, "expected", "azure");
        return readdirSync(directory)
          .filter((file) => file.endsWith(".sh"))
          .map((file) => path.join(directory, file));
      });
    expect(scripts.length).toBeGreaterThan(0);
    const result = spawnSync("shellcheck", ["--shell=bash", "--severity=style", ...scripts], { encoding: "utf8" });
    expect(result.stdout).toBe("");
    expect(result.status).toBe(0);
  });

  const variants = [
    ...scenarios.map((scenario) => scenario.policy),
    { subscription: "it's mine", rules: ["0.0.0.0/0"] },
    { publicAccess: "disabled" as const, rules: [] },
  ];
  it.each(variants.map((policy, index) => [index, policy] as const))("passes on variant %i", async (_, policy) => {
    const directory = mkdtempSync(path.join(tmpdir(), "regfence-shellcheck-"));
    try {
      const file = path.join(directory, "reconcile.sh");
      writeFileSync(file, await scriptFor(policy));
      const result = spawnSync("shellcheck", ["--shell=bash", "--severity=style", file], { encoding: "utf8" });
      expect(result.stdout).toBe("");
      expect(result.status).toBe(0);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
