import type { OvhEndpoint } from "./ovh-registry.js";

/**
 * The emitters regfence has; `--target` and `targets` choose among them.
 *
 * @example
 * targets: ["kyverno", "azure"] // or: regfence compile --target kyverno,azure
 */
export type TargetName = "kyverno" | "azure" | "ovh" | "vic" | "credentials";

/**
 * Options of the OVH target.
 *
 * @example
 * ovh: { endpoint: "ovh-ca" }
 */
export interface OvhTargetOptions {
  /**
   * The API endpoint of registries whose policy names none.
   * @default "ovh-eu"
   */
  readonly endpoint?: OvhEndpoint;
}

/**
 * Options of the Kyverno target.
 *
 * @example
 * kyverno: { policyType: "CEL" }
 */
export interface KyvernoTargetOptions {
  /**
   * The Kyverno policy types emitted: `ClusterPolicy` (kyverno.io/v1, deprecated from Kyverno 1.17)
   * or `CEL` (policies.kyverno.io/v1 MutatingPolicy and ValidatingPolicy, Kyverno 1.17 and later).
   * @default "ClusterPolicy"
   */
  readonly policyType?: KyvernoPolicyType;
}

/**
 * The Kyverno policy types regfence can emit.
 *
 * @example
 * kyverno: { policyType: "ClusterPolicy" }
 */
export type KyvernoPolicyType = "ClusterPolicy" | "CEL";

/**
 * The settings of `regfence.config.ts` (or `.regfencerc`, or `"regfence"` in package.json).
 *
 * @example
 * const config: RegfenceConfig = { policies: ["registries/**\/*.policy.ts"], outDir: "generated", targets: ["ovh"] };
 */
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
  readonly kyverno?: KyvernoTargetOptions;
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
