import { type CallSite, definedAt, stamp } from "./call-site.js";
import type { NetworkRef } from "./network.js";

/**
 * The OVHcloud API endpoints.
 *
 * @example
 * endpoint: "ovh-ca" // https://ca.api.ovh.com/1.0
 */
export type OvhEndpoint = "ovh-eu" | "ovh-ca" | "ovh-us";

/**
 * Who may reach an endpoint of the registry: a list of networks, or `"open"` to state on purpose
 * that the endpoint is unrestricted (OVH reads an empty list as "no restriction").
 *
 * @example
 * management: [production] // only production reaches the Harbor UI
 * registry: "open"          // docker and helm clients from anywhere, on purpose
 */
export type OvhAccess = readonly NetworkRef[] | "open";

/**
 * Options of {@link ovhRegistry}.
 *
 * @example
 * { serviceName: "0123456789abcdef0123456789abcdef", registryId: "3f8e2d4c-9b1a-4c6e-8d2f-7a5b3c1e9f04", management: [production], registry: [qa] }
 */
export interface OvhRegistryOptions {
  /** The Public Cloud project id (`serviceName` in the API): 32 lowercase hexadecimal digits. */
  readonly serviceName: string;
  /** The registry id (`registryID` in the API): a UUID. */
  readonly registryId: string;
  /** @default the config's `ovh.endpoint`, else "ovh-eu" */
  readonly endpoint?: OvhEndpoint;
  /** Who may reach the Harbor UI and API (`ipRestrictions/management`). */
  readonly management: OvhAccess;
  /** Who may reach the registry with docker/helm clients (`ipRestrictions/registry`). */
  readonly registry: OvhAccess;
}

/**
 * An OVHcloud Managed Private Registry whose IP restrictions regfence manages.
 *
 * @example
 * const mpr: OvhRegistry = ovhRegistry("mpr-prod", { serviceName: "…", registryId: "…", management: [production], registry: [qa] });
 */
export interface OvhRegistry<Name extends string = string> extends OvhRegistryOptions {
  readonly kind: "ovh-registry";
  readonly name: Name;
  readonly [definedAt]: CallSite;
}

/**
 * Declares the IP restrictions of an OVHcloud Managed Private Registry.
 *
 * @example
 * ovhRegistry("mpr-prod", {
 *   serviceName: "0123456789abcdef0123456789abcdef",
 *   registryId: "8c0bd1a8-2b0f-4b3c-9d3c-6a2c1e0f9b7d",
 *   management: [production],
 *   registry: [qa],
 * })
 * // PUT …/ipRestrictions/management [{"ipBlock":"192.0.2.0/24","description":"production environment"}]
 */
export function ovhRegistry<const Name extends string>(name: Name, options: OvhRegistryOptions): OvhRegistry<Name> {
  return stamp({ ...options, kind: "ovh-registry" as const, name }, ovhRegistry);
}
