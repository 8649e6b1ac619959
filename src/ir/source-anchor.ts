import type { PathSegment, SourceAnchor } from "../diagnostics/source-anchor.js";

export function anchorAt(anchor: SourceAnchor, ...path: PathSegment[]): SourceAnchor {
  return { ...anchor, path: [...anchor.path, ...path] };
}

/** DSL calls whose first argument is the value's name and whose second holds the rest. */
const namedCalls = new Set(["network", "azure-registry", "ovh-registry", "container-host", "credential"]);

/**
 * Turns a key of a DSL value into the path through the arguments of the call that made it
 * (`ovhRegistry(name, { serviceName })`: `serviceName` is `[1, "serviceName"]`). The loader uses it
 * for DSL values, targets for the IR nodes of the same kind, so neither spells out call shapes.
 */
export function argumentPath(kind: string, key: PathSegment): PathSegment[] {
  if (kind === "secret-source") return [0];
  if (kind === "network") return key === "name" ? [0] : [1];
  if (namedCalls.has(kind)) return key === "name" ? [0] : [1, key];
  return [0, key];
}

/** Where a field of a node made by one DSL call was written, e.g. `fieldAnchor(registry, "resourceGroup")`. */
export function fieldAnchor(node: { readonly kind: string; readonly source: SourceAnchor }, key: string, ...rest: PathSegment[]): SourceAnchor {
  return anchorAt(node.source, ...argumentPath(node.kind, key), ...rest);
}
