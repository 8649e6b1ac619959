import type { PathSegment, SourceAnchor } from "../diagnostics/source-anchor.js";

/** How the IR builder learns where a DSL value was written (the loader implements it). */
export interface Anchoring {
  /** The anchor of the value reached from `root` by `path` through DSL values. */
  at(root: unknown, path?: readonly PathSegment[]): SourceAnchor;
}
