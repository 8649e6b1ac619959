/**
 * The helpers the azure, ovh, vic and credentials targets share (src/targets/ip-rule-list.ts,
 * src/targets/program-queries.ts), and that the OVH payload and the Azure rules agree through them.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseIpBlock } from "../../../src/ir/ip-block.ts";
import type { IpRuleNode, OvhAccessNode, PolicyNode, ProgramNode, RegistryNode } from "../../../src/ir/model.ts";
import { firewallState } from "../../../src/targets/azure/firewall-state.ts";
import { uniqueBlocks } from "../../../src/targets/ip-rule-list.ts";
import { ipRestrictions } from "../../../src/targets/ovh/restriction-payloads.ts";
import { acrossPolicies, registriesOfKind } from "../../../src/targets/program-queries.ts";

const source = { file: "policies/test.policy.ts", line: 1, column: 1, path: [] };

function rule(written: string, network: string, description = `${network} egress`): IpRuleNode {
  const parsed = parseIpBlock(written);
  if (!parsed.ok) throw new Error(parsed.message);
  return { kind: "ip-rule", block: parsed.block, written, description, network, source };
}

describe("uniqueBlocks", () => {
  const rules = [
    rule("192.0.2.1", "office", "front desk"),
    rule("2001:db8::/32", "v6"),
    rule("10.0.0.0/8", "datacenter"),
    rule("192.0.2.1/32", "vpn", "vpn gateway"),
    rule("9.0.0.0/8", "partner"),
    rule("10.0.0.0/8", "legacy"),
  ];

  it("keeps each block once, the rule listed first, in address order (IPv4 first)", () => {
    expect(uniqueBlocks(rules).map(({ block, network }) => `${block.cidr} ${network}`)).toEqual([
      "9.0.0.0/8 partner",
      "10.0.0.0/8 datacenter",
      "192.0.2.1/32 office",
      "2001:db8::/32 v6",
    ]);
  });

  it("depends on the order of the rules only through which rule of a block comes first", () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(rules, { minLength: rules.length }), (shuffled) => {
        const unique = uniqueBlocks(shuffled);
        expect(unique.map(({ block }) => block.cidr)).toEqual(["9.0.0.0/8", "10.0.0.0/8", "192.0.2.1/32", "2001:db8::/32"]);
        for (const kept of unique) expect(kept).toBe(shuffled.find((candidate) => candidate.block.cidr === kept.block.cidr));
      }),
    );
  });

  it("is what both the OVH payload and the Azure rules are made of", () => {
    const access: OvhAccessNode = { kind: "ovh-access", open: false, rules, complete: true, source };
    const azure = firewallState({ kind: "azure-registry", name: "acr12345", resourceGroup: "rg", subscription: null, publicAccess: "selected-networks", trustedServices: true, rules, source });
    expect(ipRestrictions(access)).toEqual(uniqueBlocks(rules).map(({ block, description }) => ({ description, ipBlock: block.cidr })));
    expect(azure.ruleSet.rules).toEqual(uniqueBlocks(rules));
  });
});

describe("acrossPolicies", () => {
  const policy = (name: string, registries: RegistryNode[]): PolicyNode => ({
    kind: "policy",
    name,
    file: `policies/${name}.policy.ts`,
    source,
    networks: [],
    proxyCache: null,
    admission: null,
    registries,
    containerHosts: [],
    credentials: [],
    tests: [],
  });
  const access: OvhAccessNode = { kind: "ovh-access", open: true, rules: [], complete: true, source };
  const azure = (name: string): RegistryNode => ({ kind: "azure-registry", name, resourceGroup: "rg", subscription: null, publicAccess: "disabled", trustedServices: true, rules: [], source });
  const ovh = (name: string): RegistryNode => ({ kind: "ovh-registry", name, serviceName: "s", registryId: "r", endpoint: null, management: access, registry: access, source });
  const program: ProgramNode = { policies: [policy("a", [azure("acrA"), ovh("mprA")]), policy("b", []), policy("c", [azure("acrC1"), azure("acrC2")])] };

  it("yields each picked node with its policy, in policy order", () => {
    expect(acrossPolicies(program, registriesOfKind("azure-registry")).map(({ policy: { name }, node }) => `${name}/${node.name}/${node.resourceGroup}`)).toEqual([
      "a/acrA/rg",
      "c/acrC1/rg",
      "c/acrC2/rg",
    ]);
    expect(acrossPolicies(program, registriesOfKind("ovh-registry")).map(({ policy: { file }, node }) => `${file} ${node.serviceName}`)).toEqual(["policies/a.policy.ts s"]);
    expect(acrossPolicies(program, (each) => each.containerHosts)).toEqual([]);
  });
});
