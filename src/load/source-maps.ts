import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { CallSite } from "../dsl/call-site.js";
import { relativeToCwd } from "./paths.js";

/** A position in the policy sources, 1-based, file relative to cwd. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/**
 * Maps positions in bundled modules back to the policy sources. Maps are decoded lazily, once
 * each: most runs map a few dozen call sites.
 */
export class SourceMapper {
  readonly #maps: ReadonlyMap<string, string>;
  readonly #cwd: string;
  readonly #loaded = new Map<string, TraceMap>();

  constructor(sourceMaps: ReadonlyMap<string, string>, cwd: string) {
    this.#maps = sourceMaps;
    this.#cwd = cwd;
  }

  /** The original position of a call site, or undefined when it is not in the bundle. */
  map(site: CallSite): SourcePosition | undefined {
    const file = site.file.startsWith("file:") ? fileURLToPath(site.file) : site.file;
    const mapText = this.#maps.get(file);
    if (mapText === undefined) return undefined;
    let traceMap = this.#loaded.get(file);
    if (traceMap === undefined) {
      // As a file: URL, so the map's sources (URL-encoded: `%`, `#`, `[`, non-ASCII) resolve to
      // file: URLs that decode to the real path.
      traceMap = new TraceMap(mapText, `${pathToFileURL(file).href}.map`);
      this.#loaded.set(file, traceMap);
    }
    const original = originalPositionFor(traceMap, { line: site.line, column: Math.max(site.column - 1, 0) });
    if (original.source === null || original.line === null || original.column === null) return undefined;
    const source = original.source.startsWith("file:") ? fileURLToPath(original.source) : path.resolve(original.source);
    return { file: relativeToCwd(source, this.#cwd), line: original.line, column: original.column + 1 };
  }

  /** The first frame of an error's stack that lies in the bundle, mapped to the sources. */
  mapError(error: unknown): SourcePosition | undefined {
    const stack = error instanceof Error && typeof error.stack === "string" ? error.stack : "";
    for (const match of stack.matchAll(/(file:\/\/[^\s)]+|\/[^\s():]+):(\d+):(\d+)\)?$/gm)) {
      const [, file = "", line = "0", column = "0"] = match;
      const position = this.map({ file, line: Number(line), column: Number(column) });
      if (position !== undefined) return position;
    }
    return undefined;
  }
}
