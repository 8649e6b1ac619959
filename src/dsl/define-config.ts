import type { OvhEndpoint } from "./ovh-registry.js";

/** The emitters regfence has; `--target` and `targets` choose among them. */
export type TargetName = "ovh";

/** Options of the OVH target. */
export interface OvhTargetOptions {
  /**
   * The API endpoint of registries whose policy names none.
   * @default "ovh-eu"
   */
  readonly endpoint?: OvhEndpoint;
}

/** The settings of `regfence.config.ts` (or `.regfencerc`, or `"regfence"` in package.json). */
export interface RegfenceConfig {
  /**
   * Globs of policy files, relative to the config file's directory.
   * @default "policies/**\/*.policy.ts"
   */
  readonly policies?: string | readonly string[];
  /** @default "out" */
  readonly outDir?: string;
  /** @default every target */
  readonly targets?: readonly TargetName[];
  /** A directory of templates (`<target>/<name>.hbs`) that override the bundled ones. */
  readonly templates?: string;
  /**
   * Type-check policies before evaluating them (`--no-typecheck` turns it off for one run).
   * @default true
   */
  readonly typeCheck?: boolean;
  readonly ovh?: OvhTargetOptions;
}

/**
 * Types a regfence config file.
 *
 * @example
 * // regfence.config.ts
 * export default defineConfig({ policies: "registries/**\/*.policy.ts", outDir: "generated", targets: ["ovh"] });
 */
export function defineConfig(config: RegfenceConfig): RegfenceConfig {
  return config;
}
