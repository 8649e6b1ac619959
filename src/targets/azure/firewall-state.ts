import { assertNever } from "../../ir/assert-never.js";
import { compareIpBlocks } from "../../ir/ip-block.js";
import type { AzureRegistryNode, IpRuleNode } from "../../ir/model.js";

/** What `az acr show` reports once the registry matches the policy. */
export interface FirewallState {
  /** `publicNetworkAccess`, and the `--public-network-enabled` value that sets it. */
  readonly publicNetworkAccess: "Enabled" | "Disabled";
  readonly publicNetworkEnabled: "true" | "false";
  /** `networkRuleSet.defaultAction`. */
  readonly defaultAction: "Allow" | "Deny";
  /** Each block once, normalised (a bare address as /32), in address order. */
  readonly rules: readonly IpRuleNode[];
}

/**
 * The firewall a registry's policy asks for. A disabled public endpoint still gets default action
 * Deny, so enabling it again later (portal, another tool) does not open the registry to everyone.
 */
export function firewallState(registry: AzureRegistryNode): FirewallState {
  const rules = uniqueRules(registry.rules);
  switch (registry.publicAccess) {
    case "selected-networks":
      return { publicNetworkAccess: "Enabled", publicNetworkEnabled: "true", defaultAction: "Deny", rules };
    case "all-networks":
      return { publicNetworkAccess: "Enabled", publicNetworkEnabled: "true", defaultAction: "Allow", rules };
    case "disabled":
      return { publicNetworkAccess: "Disabled", publicNetworkEnabled: "false", defaultAction: "Deny", rules };
    default:
      return assertNever(registry.publicAccess);
  }
}

/** The ARM/Bicep `properties.networkRuleSet` object for teams that deploy the registry as code. */
export interface NetworkRuleSet {
  readonly defaultAction: "Allow" | "Deny";
  readonly ipRules: readonly { readonly action: "Allow"; readonly value: string }[];
}

export function networkRuleSet(state: FirewallState): NetworkRuleSet {
  return { defaultAction: state.defaultAction, ipRules: state.rules.map((rule) => ({ action: "Allow", value: rule.block.cidr })) };
}

/**
 * Every block once (the first rule that names it wins), in address order, so the output changes
 * only when the policy does. The service counts each entry against its quota of 100.
 */
export function uniqueRules(rules: readonly IpRuleNode[]): IpRuleNode[] {
  const byCidr = new Map<string, IpRuleNode>();
  for (const rule of rules) if (!byCidr.has(rule.block.cidr)) byCidr.set(rule.block.cidr, rule);
  return [...byCidr.values()].sort((a, b) => compareIpBlocks(a.block, b.block));
}
