import { type CallSite, definedAt } from "../dsl/call-site.js";
import { argumentPath } from "../ir/source-anchor.js";
import type { PathSegment, SourceAnchor } from "../diagnostics/source-anchor.js";
import type { SourceMapper } from "./source-maps.js";

type Stamped = { readonly kind: string; readonly [definedAt]: CallSite };

function isStamped(value: unknown): value is Stamped {
  return typeof value === "object" && value !== null && definedAt in value;
}

/**
 * Anchors for DSL values: the mapped call site of the innermost DSL call that made a value, plus
 * the argument path from that call down to the value.
 */
export class Anchors {
  readonly #mapper: SourceMapper;
  readonly #fallbackFile: string;

  constructor(mapper: SourceMapper, fallbackFile: string) {
    this.#mapper = mapper;
    this.#fallbackFile = fallbackFile;
  }

  /** The anchor of a value reached from `root` by `path` (keys and indexes of the DSL values). */
  at(root: unknown, path: readonly PathSegment[] = []): SourceAnchor {
    let owner: Stamped | undefined = isStamped(root) ? root : undefined;
    let rest: PathSegment[] = [];
    let current: unknown = root;
    for (const segment of path) {
      rest.push(segment);
      current = typeof current === "object" && current !== null ? (current as Record<PathSegment, unknown>)[segment] : undefined;
      if (isStamped(current)) {
        owner = current;
        rest = [];
      }
    }
    if (owner === undefined) return { file: this.#fallbackFile, line: 0, column: 0, path: [] };
    const position = this.#mapper.map(owner[definedAt]) ?? { file: this.#fallbackFile, line: 0, column: 0 };
    const [first, ...tail] = rest;
    return { ...position, path: first === undefined ? [] : [...argumentPath(owner.kind, first), ...tail] };
  }
}
