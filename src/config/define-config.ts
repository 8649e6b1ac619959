import type { TargetName, TargetSections } from "../targets/all-targets.js";

/**
 * The settings of `regfence.config.ts` (or `.regfencerc`, or `"regfence"` in package.json). Each
 * target's section (`ovh`, `kyverno`, …) is that target's own options type.
 *
 * @example
 * const config: RegfenceConfig = { policies: ["registries/**\/*.policy.ts"], outDir: "generated", targets: ["ovh"] };
 */
export type RegfenceConfig = TargetSections & {
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
};

/**
 * Types a config file's default export.
 *
 * @example
 * export default defineConfig({ policies: "registries/**\/*.policy.ts", outDir: "generated", targets: ["ovh"] });
 */
export function defineConfig(config: RegfenceConfig): RegfenceConfig {
  return config;
}
