import { type CallSite, definedAt, stamp } from "./call-site.js";

/**
 * Where a secret value comes from at compile time. Policies never hold secret values: a plain
 * string where a `SecretSource` is expected fails type-checking and validation.
 *
 * @example
 * password: fromEnv("OCI_REGISTRY_PASSWORD") // or fromFile("secrets/registry-token")
 */
export type SecretSource = EnvSecret | FileSecret;

/**
 * A secret read from an environment variable when compiling with `--secrets`.
 *
 * @example
 * const token: EnvSecret = fromEnv("REGISTRY_TOKEN");
 */
export interface EnvSecret {
  readonly kind: "secret-source";
  readonly from: "env";
  readonly variable: string;
  readonly [definedAt]: CallSite;
}

/**
 * A secret read from a file when compiling with `--secrets`.
 *
 * @example
 * const token: FileSecret = fromFile("../secrets/registry-token");
 */
export interface FileSecret {
  readonly kind: "secret-source";
  readonly from: "file";
  /** Relative paths are resolved from the directory of the file that calls `fromFile`. */
  readonly path: string;
  readonly [definedAt]: CallSite;
}

/**
 * A secret taken from an environment variable at compile time.
 *
 * @example
 * password: fromEnv("OCI_REGISTRY_PASSWORD")
 */
export function fromEnv(variable: string): EnvSecret {
  return stamp({ kind: "secret-source" as const, from: "env" as const, variable }, fromEnv);
}

/**
 * A secret taken from a file at compile time (one trailing newline is dropped).
 *
 * @example
 * password: fromFile("../secrets/registry-token")
 */
export function fromFile(path: string): FileSecret {
  return stamp({ kind: "secret-source" as const, from: "file" as const, path }, fromFile);
}
