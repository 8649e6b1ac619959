/**
 * The emitted reconcile scripts, run by bash against the stand-in `az` (nothing else on PATH):
 * convergence from drift in one PATCH read back afterwards, no lock-out in between, a second run
 * that changes nothing, dry runs that change nothing and exit 3 when changes are pending, JSON
 * plans, the Premium precondition only where a rule set is needed, argument handling. Every
 * script is also checked by shellcheck.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseIpBlock } from "../../../src/ir/ip-block.ts";
import type { FakeRegistry } from "./fake-az.ts";
import { emitArtifacts, ipRule, isMutating, program, registryNode, Sandbox, scenarios, scriptFor, serviceState } from "./harness.ts";

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

const normalised = (rule: string): string => {
  const parsed = parseIpBlock(rule);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.block.cidr;
};

/** Whether clients from `cidr` reach the registry in `state` (Premium: its firewall; otherwise its public endpoint). */
function reaches(state: FakeRegistry, cidr: string): boolean {
  if (state.publicNetworkAccess === "Disabled") return false;
  return state.sku !== "Premium" || state.defaultAction === "Allow" || state.ipRules.map(normalised).includes(cidr);
}

/** The networks that the registry admitted before and admits after, but not in some state in between. */
function lockedOut(before: FakeRegistry, history: readonly FakeRegistry[], probes: readonly string[]): string[] {
  const after = history.at(-1) ?? before;
  return probes.filter((cidr) => reaches(before, cidr) && reaches(after, cidr) && history.some((state) => !reaches(state, cidr)));
}

describe.each(scenarios)("$name", (scenario) => {
  let script: string;
  beforeAll(async () => {
    script = await scriptFor(scenario.policy);
  });

  it("converges in one update, read back, then a second run changes nothing", () => {
    const first = sandbox.run(script, scenario.drifted);
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.state).toEqual(scenario.converged);
    expect(changeLines(first.stdout)).toEqual(scenario.changes);
    expect(first.calls.filter(isMutating)).toHaveLength(1);
    expect(first.stdout).toContain("change(s) made in one update and confirmed by reading the registry back");

    const second = sandbox.run(script, first.state);
    expect(second.status).toBe(0);
    expect(second.state).toEqual(scenario.converged);
    expect(second.calls.filter(isMutating)).toEqual([]);
    expect(second.stdout).toContain("up to date");
  });

  it.each([
    ["--dry-run", { args: ["--dry-run"] }],
    ["DRY_RUN=1", { env: { DRY_RUN: "1" } }],
  ] as const)("%s prints the plan, leaves the registry untouched and exits 3", (_, options) => {
    const run = sandbox.run(script, scenario.drifted, options);
    expect(run.status).toBe(3);
    expect(run.state).toEqual(scenario.drifted);
    expect(run.calls.filter(isMutating)).toEqual([]);
    expect(changeLines(run.stdout)).toEqual(scenario.changes);
    expect(run.stdout).toContain(`dry run: ${scenario.changes.length} change(s) planned, nothing changed`);
  });

  it("--dry-run --json prints the plan as one JSON object", () => {
    const run = sandbox.run(script, scenario.drifted, { args: ["--dry-run", "--json"] });
    expect(run.status).toBe(3);
    expect(JSON.parse(run.stdout)).toEqual({ registry: "myContainerRegistry", dryRun: true, inSync: false, changes: scenario.changes, unmanagedVirtualNetworkRules: [] });
  });

  it("reads with the registry's name on every acr call, quiet, and PATCHes the id acr show reported", () => {
    const { calls } = sandbox.run(script, scenario.drifted);
    const { name, resourceGroup, subscription } = { name: "myContainerRegistry", resourceGroup: "myResourceGroup", subscription: null, ...scenario.policy };
    for (const call of calls) {
      expect(call).toContain("--only-show-errors");
      if (call[0] === "rest") {
        expect(call.slice(0, 5)).toEqual(["rest", "--method", "patch", "--url", `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${name}?api-version=2023-07-01`]);
        expect(call.slice(-2)).toEqual(["-o", "none"]);
        continue;
      }
      expect(call).toContain(`--name=${name}`);
      expect(call).toContain(`--resource-group=${resourceGroup}`);
      expect(call.some((word) => word.startsWith("--subscription="))).toBe(subscription !== null);
      if (subscription !== null) expect(call).toContain(`--subscription=${subscription}`);
    }
  });

  it("never locks out a network the policy allows while it converges", () => {
    const probes = [...(scenario.policy.rules ?? []).map(normalised), "198.51.100.7/32", "203.0.113.0/24"];
    const run = sandbox.run(script, scenario.drifted);
    expect(lockedOut(scenario.drifted, run.history, probes)).toEqual([]);
  });
});

describe("no lock-out window (audit A1)", () => {
  it("the check catches the step-by-step way: Deny first, then one rule at a time", () => {
    // What the scripts did before: the default action changed before the allowed rules were added.
    const before = serviceState({ defaultAction: "Allow", ipRules: [] });
    const stepwise = [serviceState({ defaultAction: "Deny", ipRules: [] }), serviceState({ defaultAction: "Deny", ipRules: ["192.0.2.0/24"] })];
    expect(lockedOut(before, stepwise, ["192.0.2.0/24"])).toEqual(["192.0.2.0/24"]);
  });
});

describe("any drift", () => {
  const policyRules = ["192.0.2.1", "198.51.100.7/32", "10.0.0.0/8", "203.0.113.0/25"];
  const heldRules = ["192.0.2.1", "192.0.2.1/32", "198.51.100.7", "198.51.100.7/32", "10.0.0.0/8", "203.0.113.0/25", "203.0.113.128/25"];

  it("converges to each desired block exactly once without locking anyone out, and a second run changes nothing", { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.subarray(policyRules), fc.array(fc.constantFrom(...heldRules), { maxLength: 6 }), fc.constantFrom("Allow" as const, "Deny" as const), async (rules, ipRules, defaultAction) => {
        const script = await scriptFor({ rules });
        const drifted = serviceState({ ipRules, defaultAction });
        const first = sandbox.run(script, drifted);
        expect(first.status).toBe(0);
        expect(first.state.defaultAction).toBe("Deny");
        expect(first.state.ipRules.map(normalised).sort()).toEqual(rules.map(normalised).sort());
        expect(lockedOut(drifted, first.history, rules.map(normalised))).toEqual([]);
        expect(sandbox.run(script, first.state).calls.filter(isMutating)).toEqual([]);
      }),
      { numRuns: 8 },
    );
  });
});

describe("what the policy cannot express, and what the service does not confirm", () => {
  it("shows virtual network rules, which admit traffic too, and never calls such a registry up to date silently (audit A3)", async () => {
    const subnet = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/s";
    const script = await scriptFor({ rules: ["192.0.2.0/24"] });
    const state = serviceState({ ipRules: ["192.0.2.0/24"], networkRuleBypassOptions: "AzureServices", virtualNetworkRules: [subnet] });
    const run = sandbox.run(script, state);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`  note: virtual network rule ${subnet} also admits traffic; the policy does not manage it (remove it with: az acr network-rule remove --name myContainerRegistry --subnet ${subnet})`);
    const json = sandbox.run(script, state, { args: ["--dry-run", "--json"] });
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ inSync: true, changes: [], unmanagedVirtualNetworkRules: [subnet] });
  });

  it("fails when the registry read back does not match", async () => {
    const script = await scriptFor({ rules: ["192.0.2.0/24"] });
    const run = sandbox.run(script, serviceState({ defaultAction: "Allow" }), { env: { FAKE_AZ_PATCH_IGNORED: "1" } });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("  still to set default action Allow -> Deny");
    expect(run.stderr).toBe("reconcile.sh: error: the registry does not match the policy after the update\n");
  });
});

describe("preconditions and arguments", () => {
  let script: string;
  beforeAll(async () => {
    script = await scriptFor({ rules: ["192.0.2.0/24"] });
  });

  it.each(["Basic", "Standard"] as const)("stops on a %s registry when the policy needs a rule set, with a clear message, and changes nothing", (sku) => {
    const drifted = serviceState({ sku, defaultAction: "Allow" });
    const run = sandbox.run(script, drifted);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `reconcile.sh: error: myContainerRegistry is on the ${sku} SKU; IP network rules need the Premium SKU (upgrade it with: az acr update --name myContainerRegistry --sku Premium)\n`,
    );
    expect(run.state).toEqual(drifted);
    expect(run.calls.map((call) => call.slice(0, 2))).toEqual([["acr", "show"]]);
  });

  it("accepts a Standard registry as it is when the policy opens it to all networks (audit A2)", async () => {
    const open = await scriptFor({ publicAccess: "all-networks" });
    const run = sandbox.run(open, serviceState({ sku: "Standard", defaultAction: "Allow" }));
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("up to date");
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
    expect(run.stdout).toMatch(/^Usage: reconcile\.sh \[--dry-run\] \[--json\]\n/);
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
    // Audit R4: a trailing backslash (SC1003 in single quotes), `$` and backquotes (SC2016).
    { subscription: "a,b\\", resourceGroup: "rg$HOME`id`", rules: ["192.0.2.0/24"] },
    { publicAccess: "disabled" as const, rules: [] },
  ];
  it("a description can never become a shellcheck directive or a live line (audit R4)", async () => {
    const node = registryNode();
    const description = "office\nshellcheck disable=all\n  ShellCheck source=/etc/passwd\r$(touch pwned)";
    const [script] = await emitArtifacts(program({ ...node, rules: [{ ...ipRule("192.0.2.0/24"), description }] }));
    const content = script?.content ?? "";
    expect(content).toContain("\n# > shellcheck disable=all\n# >   ShellCheck source=/etc/passwd\n# $(touch pwned)\n");
    expect(content.split("\n").filter((line) => /^#\s*shellcheck\b/i.test(line))).toEqual([
      "# shellcheck disable=SC2016 # the values are literal text: nothing in them expands",
      "# shellcheck disable=SC2016 # JSON text: nothing in it expands",
      "# shellcheck disable=SC2016 # JSON text: nothing in it expands",
    ]);
    const directory = mkdtempSync(path.join(tmpdir(), "regfence-shellcheck-"));
    try {
      const file = path.join(directory, "reconcile.sh");
      writeFileSync(file, content);
      const result = spawnSync("shellcheck", ["--shell=bash", "--severity=style", file], { encoding: "utf8" });
      expect(result.stdout).toBe("");
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

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
