import { type CallSite, definedAt, stamp } from "./call-site.js";
import type { NetworkRef } from "./network.js";

/**
 * Public network access of an Azure Container Registry:
 * - `selected-networks`: public endpoint on, default action Deny, only the listed networks;
 * - `all-networks`: public endpoint on, default action Allow;
 * - `disabled`: public endpoint off (IP rules then have no effect).
 *
 * @example
 * publicAccess: "selected-networks" // az acr update --public-network-enabled true --default-action Deny
 */
export type AzurePublicAccess = "selected-networks" | "all-networks" | "disabled";

/**
 * Options of {@link azureRegistry}.
 *
 * @example
 * { resourceGroup: "registries", subscription: "platform-prod", publicAccess: "selected-networks", networks: [production] }
 */
export interface AzureRegistryOptions {
  readonly resourceGroup: string;
  /** Subscription name or id; the caller's default subscription when omitted. */
  readonly subscription?: string;
  /** @default "selected-networks" */
  readonly publicAccess?: AzurePublicAccess;
  /** Networks allowed through the registry firewall (IPv4 only, at most 100 rules). */
  readonly networks?: readonly NetworkRef[];
  /**
   * Whether trusted Azure services (ACR Tasks, Defender, …) may bypass the firewall: ARM's
   * `networkRuleBypassOptions`, `AzureServices` or `None`.
   *
   * @default true (Azure's own default, `AzureServices`)
   * @example
   * trustedServices: false // networkRuleBypassOptions: "None"
   */
  readonly trustedServices?: boolean;
}

/**
 * An Azure Container Registry (Premium SKU) whose firewall regfence manages.
 *
 * @example
 * const acr: AzureRegistry = azureRegistry("myContainerRegistry", { resourceGroup: "registries" });
 */
export interface AzureRegistry<Name extends string = string> extends AzureRegistryOptions {
  readonly kind: "azure-registry";
  readonly name: Name;
  readonly [definedAt]: CallSite;
}

/**
 * Declares an Azure Container Registry firewall.
 *
 * @example
 * azureRegistry("myContainerRegistry", {
 *   resourceGroup: "registries",
 *   publicAccess: "selected-networks",
 *   networks: [production],
 * })
 * // az acr update --name myContainerRegistry --default-action Deny …
 */
export function azureRegistry<const Name extends string>(name: Name, options: AzureRegistryOptions): AzureRegistry<Name> {
  return stamp({ ...options, kind: "azure-registry" as const, name }, azureRegistry);
}
