import { type CallSite, definedAt, stamp } from "./call-site.js";
import type { AzureRegistry } from "./azure-registry.js";
import type { ContainerHost } from "./container-host.js";
import type { Credential } from "./credential.js";
import type { Network } from "./network.js";
import type { OvhRegistry } from "./ovh-registry.js";
import type { Admission } from "./admission.js";
import type { HarborProxyCache } from "./proxy-cache.js";
import type { PolicyTest } from "./policy-test.js";

/**
 * A registry whose network access regfence manages.
 *
 * @example
 * registries: [ovhRegistry("mpr-prod", { … }), azureRegistry("myContainerRegistry", { … })]
 */
export type ManagedRegistry = AzureRegistry | OvhRegistry;

/**
 * Everything a policy file declares.
 *
 * @example
 * { name: "registries", networks: [production, qa], registries: [azureRegistry("myContainerRegistry", { resourceGroup: "registries", networks: ["qa"] })] }
 */
export interface PolicyDefinition {
  /** The policy's name: lowercase letters, digits and `-`; used in emitted file and object names. */
  readonly name: string;
  /** Networks referenced by name elsewhere in the policy (networks used by value need no entry). */
  readonly networks?: readonly Network[];
  readonly proxyCache?: HarborProxyCache;
  readonly admission?: Admission;
  readonly registries?: readonly ManagedRegistry[];
  readonly containerHosts?: readonly ContainerHost[];
  readonly credentials?: readonly Credential[];
  /** Expectations `regfence test` and `compile --check` hold the policies to. */
  readonly tests?: readonly PolicyTest[];
}

/** The endpoints of one registry an address may reach, as a policy's tests name them. */
type RegistryEndpoint<Registry> = Registry extends OvhRegistry<infer Name> ? `${Name}/management` | `${Name}/registry` : Registry extends AzureRegistry<infer Name> ? Name : never;

/**
 * The endpoints a policy's address expectations may name: `<ovh registry>/management`,
 * `<ovh registry>/registry`, `<azure registry>`, and `<vch>/whitelist` (a registry at the address
 * is one the VCH may pull from).
 *
 * @example
 * type Endpoints = PolicyEndpoint<{ name: "p"; registries: [OvhRegistry<"mpr-prod">] }>; // "mpr-prod/management" | "mpr-prod/registry"
 */
export type PolicyEndpoint<Definition extends PolicyDefinition> =
  | (Definition["registries"] extends readonly (infer Registry)[] | undefined ? RegistryEndpoint<Registry> : never)
  | (Definition["containerHosts"] extends readonly (infer Host)[] | undefined ? (Host extends ContainerHost<infer Name> ? `${Name}/whitelist` : never) : never);

/** A union as its members: TypeScript then lists the endpoints in an error, not the alias that made them. */
type Members<Union> = Union extends string ? Union : never;

/** Key of the endpoints a policy's tests may name: in its type only, never in a value. */
export declare const testedEndpoints: unique symbol;

/**
 * A policy, as the default export of a `.policy.ts` file. `Endpoint` is what its tests may name
 * (see {@link PolicyEndpoint}), in the policy file or a `.policy.test.ts` beside it.
 *
 * @example
 * const policy: Policy = definePolicy({ name: "platform" });
 * export default policy;
 */
export interface Policy<Endpoint extends string = string> extends PolicyDefinition {
  readonly kind: "policy";
  readonly [definedAt]: CallSite;
  readonly [testedEndpoints]?: Endpoint;
}

/**
 * A definition as `definePolicy` checks it: no key a policy does not have (a misspelt one is an
 * error at that key), and tests that name only the policy's own endpoints.
 */
type CheckedDefinition<Definition extends PolicyDefinition> = Definition & {
  readonly [Key in Exclude<keyof Definition, keyof PolicyDefinition>]: never;
} & { readonly tests?: readonly PolicyTest<Members<PolicyEndpoint<Definition>>>[] };

/**
 * Defines a policy; make it the default export of a `*.policy.ts` file.
 *
 * @example
 * export default definePolicy({
 *   name: "platform",
 *   proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["docker.io"] }),
 *   admission: { mode: "Enforce", excludeNamespaces: ["kube-system"] },
 * });
 */
export function definePolicy<const Definition extends PolicyDefinition>(definition: CheckedDefinition<Definition>): Policy<Members<PolicyEndpoint<Definition>>> {
  return stamp({ ...definition, kind: "policy" as const }, definePolicy);
}
