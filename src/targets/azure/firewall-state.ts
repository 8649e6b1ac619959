import { assertNever } from "../../ir/assert-never.js";
import type { AzureRegistryNode, IpRuleNode } from "../../ir/model.js";
import { uniqueBlocks } from "../ip-rule-list.js";

/** The network rule set a policy asks for; only Premium registries have one. */
export interface RuleSet {
  /** `networkRuleSet.defaultAction`. */
  readonly defaultAction: "Allow" | "Deny";
  /** `networkRuleBypassOptions`: whether trusted Azure services pass the firewall. */
  readonly bypass: "AzureServices" | "None";
  /** Each block once, normalised (a bare address as /32), in address order. */
  readonly rules: readonly IpRuleNode[];
}

/** What `az acr show` reports once the registry matches the policy. */
export interface FirewallState {
  /** `publicNetworkAccess`. */
  readonly publicNetworkAccess: "Enabled" | "Disabled";
  /** The rule set a Premium registry must hold. */
  readonly ruleSet: RuleSet;
  /**
   * False when the policy needs no rule set (all networks and no rule): the public endpoint alone
   * decides, so a Basic or Standard registry, which has no rule set, satisfies it too.
   */
  readonly premiumRequired: boolean;
}

/**
 * The firewall a registry's policy asks for. A disabled public endpoint still gets default action
 * Deny, so enabling it again later (portal, another tool) does not open the registry to everyone.
 */
export function firewallState(registry: AzureRegistryNode): FirewallState {
  const rules = uniqueBlocks(registry.rules);
  const ruleSet = (defaultAction: RuleSet["defaultAction"]): RuleSet => ({ defaultAction, bypass: registry.trustedServices ? "AzureServices" : "None", rules });
  switch (registry.publicAccess) {
    case "selected-networks":
      return { publicNetworkAccess: "Enabled", ruleSet: ruleSet("Deny"), premiumRequired: true };
    case "all-networks":
      return { publicNetworkAccess: "Enabled", ruleSet: ruleSet("Allow"), premiumRequired: rules.length > 0 };
    case "disabled":
      return { publicNetworkAccess: "Disabled", ruleSet: ruleSet("Deny"), premiumRequired: true };
    default:
      return assertNever(registry.publicAccess);
  }
}

/**
 * The part of the ARM/Bicep `properties` of a `Microsoft.ContainerRegistry/registries` resource
 * (api-version 2023-07-01) that the policy decides. `publicNetworkAccess` belongs with the rule
 * set: without it a registry deployed as code keeps its public endpoint on whatever the policy
 * says. The reconcile script PATCHes exactly these properties, so both artifacts agree.
 */
export interface ArmProperties {
  readonly publicNetworkAccess: "Enabled" | "Disabled";
  readonly networkRuleBypassOptions?: "AzureServices" | "None";
  readonly networkRuleSet?: {
    readonly defaultAction: "Allow" | "Deny";
    readonly ipRules: readonly { readonly action: "Allow"; readonly value: string }[];
  };
}

/**
 * The properties for a registry of any SKU when no rule set is required (an ARM PUT without one
 * leaves Premium registries at Allow, no rules), with the rule set otherwise. `withRuleSet` forces
 * it in: the script PATCHes it into a Premium registry whatever the policy.
 */
export function armProperties(state: FirewallState, withRuleSet = state.premiumRequired): ArmProperties {
  const { ruleSet } = state;
  if (!withRuleSet) return { publicNetworkAccess: state.publicNetworkAccess };
  return {
    publicNetworkAccess: state.publicNetworkAccess,
    networkRuleBypassOptions: ruleSet.bypass,
    networkRuleSet: { defaultAction: ruleSet.defaultAction, ipRules: ruleSet.rules.map((rule) => ({ action: "Allow", value: rule.block.cidr })) },
  };
}

/** The API version the ARM fragment and the script's PATCH are written for. */
export const armApiVersion = "2023-07-01";
