/**
 * A problem that stops a run before policies can be judged: bad usage, a broken config, or a
 * failure inside regfence. The CLI turns it into exit code 2 with its message, never a stack trace
 * (except for `internal`, where the stack is what a bug report needs).
 */
export class FatalError extends Error {
  readonly kind: "usage" | "config" | "internal";

  constructor(kind: "usage" | "config" | "internal", message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "FatalError";
    this.kind = kind;
  }
}
