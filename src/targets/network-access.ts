import { assertNever } from "../ir/assert-never.js";
import { blockContains, type IpBlock } from "../ir/ip-block.js";
import type { RegistryNode } from "../ir/model.js";
import { firewallState } from "./azure/firewall-state.js";

/**
 * Whether an address (or every address of a block) reaches an endpoint as the compiled firewall
 * decides it: an OVH list lets its blocks in (an open list, everyone); an ACR lets in everyone
 * when open to all networks, no one when its public endpoint is off, else its IPv4 rules' blocks.
 * `endpoint` is the part of an OVH registry (`management` or `registry`); an ACR has one.
 */
export function reaches(registry: RegistryNode, endpoint: "management" | "registry" | undefined, address: IpBlock): boolean {
  switch (registry.kind) {
    case "ovh-registry": {
      const access = registry[endpoint ?? "registry"];
      return access.open || access.rules.some((rule) => blockContains(rule.block, address));
    }
    case "azure-registry": {
      const state = firewallState(registry);
      if (state.publicNetworkAccess === "Disabled") return false;
      if (state.ruleSet.defaultAction === "Allow") return true;
      return state.ruleSet.rules.some((rule) => blockContains(rule.block, address));
    }
    default:
      return assertNever(registry);
  }
}
