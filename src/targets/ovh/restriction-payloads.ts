import type { OvhEndpoint } from "../../dsl/index.js";
import type { OvhAccessNode, OvhRegistryNode, ProgramNode } from "../../ir/model.js";
import { uniqueBlocks } from "../ip-rule-list.js";
import { acrossPolicies, registriesOfKind } from "../program-queries.js";
import type { ResolvedOvhOptions } from "./ovh-options.js";

/** The two lists of a Managed Private Registry, each replaced whole by one PUT. */
export const restrictionLists = ["management", "registry"] as const;
export type RestrictionList = (typeof restrictionLists)[number];

/** One entry of an `ipRestrictions` payload, key order as the OVH API documents it. */
export interface IpRestriction {
  readonly description: string;
  readonly ipBlock: string;
}

export function ovhRegistries(program: ProgramNode): OvhRegistryNode[] {
  return acrossPolicies(program, registriesOfKind("ovh-registry")).map(({ node }) => node);
}

/** The full list for one endpoint: each block once (bare addresses as /32 or /128), in address order. */
export function ipRestrictions(access: OvhAccessNode): IpRestriction[] {
  return uniqueBlocks(access.rules).map((rule) => ({ description: rule.description, ipBlock: rule.block.cidr }));
}

/** The API endpoint a registry lives on: its own, else the config's default. */
export function registryEndpoint(registry: OvhRegistryNode, options: ResolvedOvhOptions): OvhEndpoint {
  return registry.endpoint ?? options.endpoint;
}

/** The API path of one list, each segment escaped as OVH's own clients do. */
export function restrictionPath(registry: Pick<OvhRegistryNode, "serviceName" | "registryId">, list: RestrictionList): string {
  return `/cloud/project/${encodeURIComponent(registry.serviceName)}/containerRegistry/${encodeURIComponent(registry.registryId)}/ipRestrictions/${list}`;
}
