/**
 * Where a DSL call was made, as V8 reports it for the running (bundled) code. The loader maps it
 * back to the policy's own file:line:col through the bundle's source map.
 */
export interface CallSite {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** Key under which every DSL value keeps its call site; a symbol, so it never shows in output. */
export const definedAt: unique symbol = Symbol.for("regfence.definedAt");

const unknownSite: CallSite = Object.freeze({ file: "<unknown>", line: 0, column: 0 });

/**
 * The call site of whoever called `callee`. Structured frames (not string parsing) keep this cheap
 * enough to run on every DSL call.
 */
export function captureCallSite(callee: Function): CallSite {
  const previousPrepare = Error.prepareStackTrace;
  const previousLimit = Error.stackTraceLimit;
  const holder: { stack?: unknown } = {};
  try {
    Error.prepareStackTrace = (_error, frames) => frames;
    Error.stackTraceLimit = 1;
    Error.captureStackTrace(holder, callee);
    const frames = holder.stack as NodeJS.CallSite[] | undefined;
    const frame = frames?.[0];
    const file = frame?.getFileName();
    if (frame === undefined || file === undefined || file === null) return unknownSite;
    return Object.freeze({ file, line: frame.getLineNumber() ?? 0, column: frame.getColumnNumber() ?? 0 });
  } finally {
    Error.prepareStackTrace = previousPrepare;
    Error.stackTraceLimit = previousLimit;
  }
}

/** Freezes a DSL value and stamps it with the call site of `callee`'s caller. */
export function stamp<T extends object>(value: T, callee: Function): T & { readonly [definedAt]: CallSite } {
  return Object.freeze(Object.assign(value, { [definedAt]: captureCallSite(callee) }));
}
