/** A step into a DSL call's arguments: an argument or array index, or an object key. */
export type PathSegment = string | number;

/**
 * Where an IR node came from: the DSL call's position in the policy file, plus the path from that
 * call's arguments to the exact value (e.g. `[1, 2, "cidr"]` for the third rule of a `network`).
 * The path is resolved to a precise position only when a diagnostic is reported.
 */
export interface SourceAnchor {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly path: readonly PathSegment[];
}
