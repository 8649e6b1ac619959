/**
 * A problem that stops a run before policies can be judged or their output written: bad usage, a
 * broken config, an out dir that cannot be written, or a failure inside regfence. The CLI turns it into exit code 2 with its message, never a stack trace
 * (except for `internal`, where the stack is what a bug report needs).
 */
export type FatalKind = "usage" | "config" | "output" | "internal";

export class FatalError extends Error {
  readonly kind: FatalKind;

  constructor(kind: FatalKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "FatalError";
    this.kind = kind;
  }
}
