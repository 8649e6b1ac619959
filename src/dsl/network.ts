import { type CallSite, definedAt, stamp } from "./call-site.js";

/**
 * An IPv4 or IPv6 address or CIDR block as written in a policy. The template types catch most
 * typos in the editor; the compiler parses every value exactly (ipaddr.js) and reports the rest.
 *
 * @example
 * "192.0.2.0/24", "203.0.113.7", "2001:db8::/32"
 */
export type IpAddressOrCidr =
  | `${number}.${number}.${number}.${number}`
  | `${number}.${number}.${number}.${number}/${number}`
  | `${string}:${string}`;

/**
 * One allowed address or block, with the reason it is allowed.
 *
 * @example
 * { cidr: "192.0.2.0/24", description: "production environment" }
 * { cidr: "203.0.113.7", description: "build agent" } // a bare address means /32 (or /128)
 */
export interface IpRule {
  /** An address or CIDR block; a bare address stands for /32 (IPv4) or /128 (IPv6). */
  readonly cidr: IpAddressOrCidr;
  /** Why this block is allowed; emitted where the target keeps descriptions (OVH). */
  readonly description: string;
}

/**
 * A named set of IP rules, defined once and referenced from every registry it applies to.
 *
 * @example
 * const production: Network<"production"> = network("production", [{ cidr: "192.0.2.0/24", description: "production" }]);
 */
export interface Network<Name extends string = string> {
  readonly kind: "network";
  readonly name: Name;
  readonly rules: readonly IpRule[];
  readonly [definedAt]: CallSite;
}

/**
 * Defines a network: a named set of IP rules. Reference it by value (`[production]`) or by name
 * (`["production"]`) wherever networks are allowed.
 *
 * @example
 * const production = network("production", [
 *   { cidr: "192.0.2.0/24", description: "production environment" },
 * ]);
 */
export function network<const Name extends string>(name: Name, rules: readonly IpRule[]): Network<Name> {
  return stamp({ kind: "network" as const, name, rules: Object.freeze(rules.map((rule) => Object.freeze({ ...rule }))) }, network);
}

/**
 * A network given by value, or by the name of a network listed in the policy's `networks`.
 *
 * @example
 * networks: [production, "qa"] // "qa" must be listed in the policy's `networks`
 */
export type NetworkRef = Network | string;
