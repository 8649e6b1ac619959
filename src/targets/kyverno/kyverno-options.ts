import { z } from "zod";
import type { TargetOptionsSpec } from "../target-options.js";

/**
 * The Kyverno policy types regfence emits.
 *
 * @example
 * kyverno: { policyType: "CEL" }
 */
export type KyvernoPolicyType = "ClusterPolicy" | "CEL";

/**
 * Options of the Kyverno target.
 *
 * @example
 * kyverno: { policyType: "CEL" }
 */
export interface KyvernoTargetOptions {
  /**
   * The Kyverno policy types emitted: `ClusterPolicy` (kyverno.io/v1, deprecated from Kyverno 1.17)
   * or `CEL` (policies.kyverno.io/v1 MutatingPolicy, ValidatingPolicy and GeneratingPolicy, Kyverno
   * 1.17 and later).
   * @default "ClusterPolicy"
   */
  readonly policyType?: KyvernoPolicyType;
}

export interface ResolvedKyvernoOptions {
  readonly policyType: KyvernoPolicyType;
}

export const kyvernoOptions: TargetOptionsSpec<KyvernoTargetOptions, ResolvedKyvernoOptions> = {
  schema: z.strictObject({ policyType: z.enum(["ClusterPolicy", "CEL"]).optional() }),
  resolve: (written) => ({ policyType: written?.policyType ?? "ClusterPolicy" }),
};
