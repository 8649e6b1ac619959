import type { SourceAnchor } from "../diagnostics/source-anchor.js";
import { assertNever } from "../ir/assert-never.js";
import { registryEndpoints } from "../ir/build-policy-tests.js";
import { blockContains, type IpBlock } from "../ir/ip-block.js";
import type { IpRuleNode, RegistryNode } from "../ir/model.js";
import { firewallState } from "./azure/firewall-state.js";

/** Who an endpoint lets in, as its compiled firewall decides: everyone, no one, or the blocks of these rules. */
export type EndpointAccess = { readonly kind: "everyone" } | { readonly kind: "no-one" } | { readonly kind: "rules"; readonly rules: readonly IpRuleNode[] };

/** One endpoint of a registry: an OVH list, or an ACR. */
export interface RegistryEndpoint {
  /** As a policy's tests name it: `mpr-prod/management`, `myContainerRegistry`. */
  readonly name: string;
  /** The OVH list; undefined for an ACR. */
  readonly part: "management" | "registry" | undefined;
  readonly access: EndpointAccess;
  /** Where the policy decides it: the OVH list, the ACR declaration. */
  readonly source: SourceAnchor;
}

/**
 * A registry's endpoints and who each lets in: an OVH list its blocks (an open list, everyone); an
 * ACR everyone when open to all networks, no one when its public endpoint is off, else its rules.
 * Tests, the access report and `diff` all read access from here.
 */
export function endpointsOf(registry: RegistryNode): RegistryEndpoint[] {
  const [first = registry.name, second = registry.name] = registryEndpoints(registry);
  switch (registry.kind) {
    case "ovh-registry":
      return (["management", "registry"] as const).map((part, index) => {
        const list = registry[part];
        return { name: index === 0 ? first : second, part, access: list.open ? { kind: "everyone" } : { kind: "rules", rules: list.rules }, source: list.source };
      });
    case "azure-registry": {
      const state = firewallState(registry);
      const access: EndpointAccess = state.publicNetworkAccess === "Disabled" ? { kind: "no-one" } : state.ruleSet.defaultAction === "Allow" ? { kind: "everyone" } : { kind: "rules", rules: registry.rules };
      return [{ name: first, part: undefined, access, source: registry.source }];
    }
    default:
      return assertNever(registry);
  }
}

/** Whether an address (or every address of a block) gets in. */
export function reaches(access: EndpointAccess, address: IpBlock): boolean {
  return access.kind === "everyone" || (access.kind === "rules" && access.rules.some((rule) => blockContains(rule.block, address)));
}
