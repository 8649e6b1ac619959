import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { IpRuleNode } from "../../../src/ir/model.ts";
import { checkArtifact } from "../../../src/render/check-artifact.ts";
import { emitArtifacts, ipRule, program, registryNode, scriptFor, type RegistrySpec } from "./harness.ts";

async function armProperties(spec: RegistrySpec): Promise<unknown> {
  const artifacts = await emitArtifacts(program(registryNode(spec)));
  const json = artifacts.find((artifact) => artifact.path.endsWith(".arm-properties.json"));
  return JSON.parse(json?.content ?? "null") as unknown;
}

describe("azure emit", () => {
  it("writes a script and an ARM properties fragment per registry", async () => {
    const artifacts = await emitArtifacts(program(registryNode({ rules: ["192.0.2.0/24"] }), registryNode({ name: "secondRegistry" })));
    expect(artifacts.map(({ path, format, executable }) => ({ path, format, executable }))).toEqual([
      { path: "azure/myContainerRegistry.sh", format: "shell", executable: true },
      { path: "azure/myContainerRegistry.arm-properties.json", format: "json", executable: undefined },
      { path: "azure/secondRegistry.sh", format: "shell", executable: true },
      { path: "azure/secondRegistry.arm-properties.json", format: "json", executable: undefined },
    ]);
    for (const artifact of artifacts) checkArtifact(artifact);
  });

  it.each([
    ["selected-networks", "Enabled", "Deny"],
    ["all-networks", "Enabled", "Allow"],
    ["disabled", "Disabled", "Deny"],
  ] as const)(
    "ARM properties for %s: publicNetworkAccess %s, default action %s, the bypass, each block once, in address order, bare addresses as /32",
    async (publicAccess, publicNetworkAccess, defaultAction) => {
      expect(await armProperties({ publicAccess, rules: ["192.0.2.1", "10.0.0.0/8", "9.0.0.0/8", "192.0.2.1/32"] })).toEqual({
        publicNetworkAccess,
        networkRuleBypassOptions: "AzureServices",
        networkRuleSet: {
          defaultAction,
          ipRules: [
            { action: "Allow", value: "9.0.0.0/8" },
            { action: "Allow", value: "10.0.0.0/8" },
            { action: "Allow", value: "192.0.2.1/32" },
          ],
        },
      });
    },
  );

  it("leaves the rule set out of the ARM properties when the policy needs none (all networks, no rule), so any SKU fits", async () => {
    expect(await armProperties({ publicAccess: "all-networks" })).toEqual({ publicNetworkAccess: "Enabled" });
    expect(await scriptFor({ publicAccess: "all-networks" })).toContain("\npremium_required=false\n");
  });

  it("states trustedServices in both artifacts alike (networkRuleBypassOptions)", async () => {
    expect(await armProperties({ trustedServices: false })).toMatchObject({ networkRuleBypassOptions: "None" });
    expect(await scriptFor({ trustedServices: false })).toContain("\nwant_bypass=None\n");
  });

  it("PATCHes exactly the ARM properties: the script's body is the fragment", async () => {
    for (const spec of [{ publicAccess: "selected-networks", rules: ["192.0.2.0/24"] }, { publicAccess: "all-networks" }, { publicAccess: "disabled", trustedServices: false }] as const) {
      const script = await scriptFor(spec);
      const body = /\npremium_body='([^']*)'\n/.exec(script)?.[1] ?? "";
      const properties = (await armProperties(spec)) as { networkRuleSet?: unknown };
      if (properties.networkRuleSet !== undefined) expect(JSON.parse(body)).toEqual({ properties });
      expect(JSON.parse(/\naccess_body='([^']*)'\n/.exec(script)?.[1] ?? "")).toEqual({ properties: { publicNetworkAccess: (properties as { publicNetworkAccess: string }).publicNetworkAccess } });
    }
  });

  it.each([
    ["selected-networks", "Enabled", "true", "Deny"],
    ["all-networks", "Enabled", "false", "Allow"],
    ["disabled", "Disabled", "true", "Deny"],
  ] as const)("the %s script wants publicNetworkAccess %s (Premium required: %s) and default action %s", async (publicAccess, access, premium, action) => {
    const script = await scriptFor({ publicAccess });
    expect(script).toContain(`\nwant_public_access=${access}\n`);
    expect(script).toContain(`\npremium_required=${premium}\nwant_default_action=${action}\nwant_bypass=AzureServices\n`);
  });

  it("bakes in the registry, quoted, with the subscription only when the policy names one", async () => {
    expect(await scriptFor({})).toContain("\nregistry_args=(--name=myContainerRegistry --resource-group=myResourceGroup)\n");
    expect(await scriptFor({ resourceGroup: "my group", subscription: "it's mine" })).toContain(
      "\nregistry_args=(--name=myContainerRegistry --resource-group='my group' --subscription='it'\\''s mine')\n",
    );
  });

  it("starts with a shebang and the generated-file banner, and lists the desired rules normalised with their origin", async () => {
    const script = await scriptFor({ rules: ["198.51.100.7", "192.0.2.0/24"] });
    expect(script.split("\n").slice(0, 3)).toEqual([
      "#!/usr/bin/env bash",
      "# Generated by regfence from policies/test.policy.ts. Do not edit: change the policy and run `regfence compile`.",
      "#",
    ]);
    expect(script).toContain('\ndesired_rules=(\n  192.0.2.0/24 # network "office": office egress\n  198.51.100.7/32 # network "office": office egress\n)\n');
    expect(script).toContain("\nset -euo pipefail\n");
  });

  it("keeps a multi-line description inside comments", async () => {
    const node = registryNode();
    const artifacts = await emitArtifacts(program({ ...node, rules: [{ ...ipRule("192.0.2.0/24"), description: "line one\nrm -rf /" }] }));
    expect(artifacts[0]?.content).toContain('\n  192.0.2.0/24 # network "office": line one\n# rm -rf /\n)\n');
  });

  it("emits rules in address order whatever their order, a repeated block with the description of the rule listed first", async () => {
    const rule = (cidr: string, network: string, description: string): IpRuleNode => ({ ...ipRule(cidr, network), description });
    const datacenter = rule("10.0.0.0/8", "datacenter", "datacenter");
    const legacy = rule("10.0.0.0/8", "legacy", "old datacenter");
    const others = [rule("192.0.2.0/24", "office", "head office"), rule("198.51.100.7", "build", "build agent"), rule("203.0.113.0/25", "branch", "branch office")];
    const emitted = (rules: readonly IpRuleNode[]) => emitArtifacts(program({ ...registryNode(), rules }));
    const datacenterFirst = await emitted([datacenter, ...others, legacy]);
    const legacyFirst = await emitted([legacy, ...others, datacenter]);
    expect(datacenterFirst[0]?.content).toContain('\n  10.0.0.0/8 # network "datacenter": datacenter\n  192.0.2.0/24 # network "office": head office\n');
    expect(legacyFirst[0]?.content).toContain('\n  10.0.0.0/8 # network "legacy": old datacenter\n  192.0.2.0/24 # network "office": head office\n');
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray([datacenter, legacy, ...others], { minLength: 5 }), async (shuffled) => {
        const first = shuffled.find((candidate) => candidate.block.cidr === "10.0.0.0/8");
        expect(await emitted(shuffled)).toEqual(first === datacenter ? datacenterFirst : legacyFirst);
      }),
      { numRuns: 30 },
    );
  });
});
