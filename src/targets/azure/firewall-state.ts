import { assertNever } from "../../ir/assert-never.js";
import type { AzureRegistryNode, IpRuleNode } from "../../ir/model.js";
import { uniqueBlocks } from "../ip-rule-list.js";

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
  const rules = uniqueBlocks(registry.rules);
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

/**
 * The part of the ARM/Bicep `properties` of a `Microsoft.ContainerRegistry/registries` resource
 * that the policy decides. `publicNetworkAccess` belongs with the rule set: without it a registry
 * deployed as code keeps its public endpoint on whatever the policy says.
 */
export interface ArmProperties {
  readonly publicNetworkAccess: "Enabled" | "Disabled";
  readonly networkRuleSet: {
    readonly defaultAction: "Allow" | "Deny";
    readonly ipRules: readonly { readonly action: "Allow"; readonly value: string }[];
  };
}

export function armProperties(state: FirewallState): ArmProperties {
  return {
    publicNetworkAccess: state.publicNetworkAccess,
    networkRuleSet: { defaultAction: state.defaultAction, ipRules: state.rules.map((rule) => ({ action: "Allow", value: rule.block.cidr })) },
  };
}
