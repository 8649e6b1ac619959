import type { PolicyNode, ProgramNode, RegistryNode } from "../ir/model.js";

/** A node a target reads, with the policy that declares it (for the banner's file, say). */
export interface InPolicy<T> {
  readonly policy: PolicyNode;
  readonly node: T;
}

/**
 * The nodes `pick` takes from each policy, across the whole program, in policy order (sorted by
 * name in the IR), so every target walks its nodes the same way.
 */
export function acrossPolicies<T>(program: ProgramNode, pick: (policy: PolicyNode) => readonly T[]): InPolicy<T>[] {
  return program.policies.flatMap((policy) => pick(policy).map((node) => ({ policy, node })));
}

/** A `pick` for {@link acrossPolicies}: a policy's registries of one kind, narrowed to it. */
export function registriesOfKind<K extends RegistryNode["kind"]>(kind: K): (policy: PolicyNode) => Extract<RegistryNode, { readonly kind: K }>[] {
  return (policy) => policy.registries.filter((registry): registry is Extract<RegistryNode, { readonly kind: K }> => registry.kind === kind);
}
