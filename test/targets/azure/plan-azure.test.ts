/**
 * `regfence plan` for Azure: for every scenario the reconcile script is tested with, plan reads
 * the registry (live through the stand-in `az`, or from its saved `az acr show` output, or from an
 * ARM export) and reports exactly the changes the script's own `--dry-run` prints.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AzureRegistryNode } from "../../../src/ir/model.ts";
import { azureState } from "../../../src/targets/azure/plan-azure.ts";
import type { DriftReport, StateSource } from "../../../src/targets/target-state.ts";
import { type FakeRegistry, resourceId } from "./fake-az.ts";
import { program, registryNode, Sandbox, scenarios, scriptFor, serviceState } from "./harness.ts";

let sandbox: Sandbox;
let root: string;
beforeAll(async () => {
  sandbox = await Sandbox.create();
  root = await mkdtemp(path.join(tmpdir(), "regfence-plan-azure-"));
});
afterAll(async () => {
  sandbox.dispose();
  await rm(root, { recursive: true, force: true });
});

const plan = (registry: AzureRegistryNode, source: StateSource): Promise<DriftReport> => azureState.read({ program: program(registry), options: undefined, artifacts: [], source });

/** What the stand-in `az` prints for a command, as an operator saving state would capture it. */
function azOutput(state: FakeRegistry, args: readonly string[]): string {
  const result = spawnSync("az", [...args, "-o", "json"], { encoding: "utf8", env: sandbox.azEnvironment(state) });
  expect(result.stderr).toBe("");
  return result.stdout;
}

async function saved(files: Readonly<Record<string, string>>): Promise<StateSource> {
  const dir = await mkdtemp(path.join(root, "state-"));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return { kind: "saved", dir, shown: "state/azure" };
}

const changesOf = (report: DriftReport) => report.items.map((item) => item.parts.flatMap((part) => part.lines));

describe("plan azure agrees with the reconcile script's dry run", () => {
  it.each(scenarios.map((scenario) => [scenario.name, scenario] as const))("%s", async (_, scenario) => {
    const registry = registryNode(scenario.policy);
    const script = sandbox.run(await scriptFor(scenario.policy), scenario.drifted, { args: ["--dry-run"] });
    expect(script.status).toBe(3);
    const scripted = script.stdout.split("\n").filter((line) => line.startsWith("  would ")).map((line) => line.slice("  would ".length));
    expect(scripted).toEqual(scenario.changes);

    const live = await plan(registry, { kind: "live", environment: sandbox.azEnvironment(scenario.drifted) });
    expect(sandbox.calls().every((call) => call[1] === "show" || call[2] === "list")).toBe(true);
    expect(changesOf(live)).toEqual([scenario.changes]);
    expect(live.items[0]?.parts[0]?.action).toBe("pending");

    const args = ["acr", "show", `--name=${registry.name}`, `--resource-group=${registry.resourceGroup}`, ...(registry.subscription === null ? [] : [`--subscription=${registry.subscription}`])];
    const files: Record<string, string> = { [`${registry.name}.json`]: azOutput(scenario.drifted, args) };
    if (scenario.drifted.sku === "Premium") files[`${registry.name}.network-rules.json`] = azOutput(scenario.drifted, ["acr", "network-rule", "list", ...args.slice(2)]);
    expect(changesOf(await plan(registry, await saved(files)))).toEqual([scenario.changes]);

    const converged = await plan(registry, { kind: "live", environment: sandbox.azEnvironment(scenario.converged) });
    expect(converged.items[0]?.parts[0]).toMatchObject({ action: "in-sync", lines: [] });
  });
});

describe("plan azure from saved state", () => {
  const registry = registryNode({ rules: ["192.0.2.0/24"] });

  it("reads an ARM template export, whose registry name is a parameter", async () => {
    const template = {
      $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
      parameters: { registries_myContainerRegistry_name: { defaultValue: "myContainerRegistry", type: "String" } },
      resources: [
        { type: "Microsoft.Storage/storageAccounts", name: "logs" },
        {
          type: "Microsoft.ContainerRegistry/registries",
          apiVersion: "2023-07-01",
          name: "[parameters('registries_myContainerRegistry_name')]",
          sku: { name: "Premium", tier: "Premium" },
          properties: { publicNetworkAccess: "Enabled", networkRuleBypassOptions: "AzureServices", networkRuleSet: { defaultAction: "Allow", ipRules: [{ action: "Allow", value: "198.51.100.7" }] } },
        },
      ],
    };
    const report = await plan(registry, await saved({ "myContainerRegistry.json": JSON.stringify(template, null, 2) }));
    expect(report.problems).toEqual([]);
    expect(changesOf(report)).toEqual([["set default action Allow -> Deny", "remove 198.51.100.7 (not in the policy)", "add 192.0.2.0/24"]]);
  });

  it("says which registries an ARM export holds when it lacks this one", async () => {
    const template = { resources: [{ type: "Microsoft.ContainerRegistry/registries", name: "otherRegistry", properties: {} }] };
    const report = await plan(registry, await saved({ "myContainerRegistry.json": JSON.stringify(template) }));
    expect(report.items[0]?.failure?.message).toBe("state/azure/myContainerRegistry.json is an ARM template without registry myContainerRegistry (it holds otherRegistry)");
  });

  it("locates a rule of the wrong shape", async () => {
    const shown = { name: "myContainerRegistry", sku: { name: "Premium" }, publicNetworkAccess: "Enabled", networkRuleSet: { defaultAction: "Deny", ipRules: [{ action: "Allow", ipAddressOrRange: "192.0.2.0/24" }, { action: "Allow" }] } };
    const report = await plan(registry, await saved({ "myContainerRegistry.json": JSON.stringify(shown, null, 2) }));
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatchObject({ file: "state/azure/myContainerRegistry.json", line: 14, column: 7 });
    expect(report.problems[0]?.message).toMatch(/^networkRuleSet\.ipRules\[1\]: an IP rule needs "ipAddressOrRange" \(az\) or "value" \(ARM\)/);
    expect(report.items[0]?.parts).toEqual([]);
  });

  it("never reads a missing file as an empty registry", async () => {
    const report = await plan(registry, await saved({}));
    expect(report.items[0]?.failure?.message).toBe("no saved state: state/azure/myContainerRegistry.json does not exist: not compared");
  });
});

describe("plan azure warnings", () => {
  it("warns of virtual network rules, a near-full quota and another owner's tag, at the registry", async () => {
    const rules = Array.from({ length: 92 }, (_, index) => `10.${index}.0.0/16`);
    const registry = registryNode({ rules });
    const shown = {
      id: resourceId(serviceState()),
      name: "myContainerRegistry",
      sku: { name: "Premium" },
      tags: { "managed-by": "terraform" },
      publicNetworkAccess: "Enabled",
      networkRuleBypassOptions: "AzureServices",
      networkRuleSet: { defaultAction: "Deny", ipRules: rules.map((value) => ({ ipAddressOrRange: value })), virtualNetworkRules: [{ virtualNetworkResourceId: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s" }] },
    };
    const report = await plan(registry, await saved({ "myContainerRegistry.json": JSON.stringify(shown) }));
    expect(report.items[0]?.parts[0]?.action).toBe("in-sync");
    expect(report.findings.map(({ code, severity, message }) => ({ code, severity, message }))).toEqual([
      { code: "RF4009", severity: "warning", message: "virtual network rule /subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s of myContainerRegistry also admits traffic; the policy does not manage it" },
      { code: "RF4010", severity: "warning", message: "myContainerRegistry is to hold 92 of ACR's 100 IP rules per registry" },
      { code: "RF4011", severity: "warning", message: "myContainerRegistry is tagged managed-by=terraform: another tool manages it and would put its own firewall back" },
    ]);
  });

  it("reports a registry that needs Premium as unable to converge", async () => {
    const registry = registryNode({ rules: ["192.0.2.0/24"] });
    const report = await plan(registry, { kind: "live", environment: sandbox.azEnvironment(serviceState({ sku: "Standard" })) });
    expect(report.items[0]?.failure?.message).toBe("myContainerRegistry is on the Standard SKU; IP network rules need the Premium SKU (upgrade it with: az acr update --name myContainerRegistry --sku Premium)");
  });

  it("says so when az is missing or fails", async () => {
    const registry = registryNode({ rules: ["192.0.2.0/24"] });
    const missing = await plan(registry, { kind: "live", environment: { PATH: path.join(root, "empty") } });
    expect(missing.items[0]?.failure?.message).toBe("the Azure CLI (az) is not on PATH; install it and run 'az login' first");
    const wrong = await plan(registryNode({ subscription: "Other" }), { kind: "live", environment: sandbox.azEnvironment(serviceState()) });
    expect(wrong.items[0]?.failure?.message).toBe("az acr show --name=myContainerRegistry failed (exit 1): Subscription 'Other' not found. Check the spelling and casing and try again.");
  });
});
