import type { PathSegment, SourceAnchor } from "../diagnostics/source-anchor.js";

export function anchorAt(anchor: SourceAnchor, ...path: PathSegment[]): SourceAnchor {
  return { ...anchor, path: [...anchor.path, ...path] };
}

/** DSL calls whose first argument is one key of the value (its name, the image tested) and whose second holds the rest. */
const firstArgument: Readonly<Record<string, string>> = {
  network: "name",
  "azure-registry": "name",
  "ovh-registry": "name",
  "container-host": "name",
  credential: "name",
  "image-expectation": "image",
  "address-expectation": "address",
};

/**
 * Turns a key of a DSL value into the path through the arguments of the call that made it
 * (`ovhRegistry(name, { serviceName })`: `serviceName` is `[1, "serviceName"]`;
 * `expectAddress(address, { reaches })`: `address` is `[0]`). The loader uses it
 * for DSL values, targets for the IR nodes of the same kind, so neither spells out call shapes.
 */
export function argumentPath(kind: string, key: PathSegment): PathSegment[] {
  if (kind === "secret-source") return [0];
  if (kind === "policy-tests") return key === "policy" ? [0] : [1];
  if (kind === "network") return key === "name" ? [0] : [1];
  const first = firstArgument[kind];
  if (first !== undefined) return key === first ? [0] : [1, key];
  return [0, key];
}

/** Where a field of a node made by one DSL call was written, e.g. `fieldAnchor(registry, "resourceGroup")`. */
export function fieldAnchor(node: { readonly kind: string; readonly source: SourceAnchor }, key: string, ...rest: PathSegment[]): SourceAnchor {
  return anchorAt(node.source, ...argumentPath(node.kind, key), ...rest);
}
