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
  /**
   * Also write the policy tests' image expectations as a Kyverno CLI test,
   * `kubernetes/kyverno-test/` (`kyverno test out/kubernetes/kyverno-test/`), to check them
   * against Kyverno's own engine. ClusterPolicies only.
   * @default false
   */
  readonly cliTest?: boolean;
}

export interface ResolvedKyvernoOptions {
  readonly policyType: KyvernoPolicyType;
  readonly cliTest: boolean;
}

export const kyvernoOptions: TargetOptionsSpec<KyvernoTargetOptions, ResolvedKyvernoOptions> = {
  schema: z
    .strictObject({ policyType: z.enum(["ClusterPolicy", "CEL"]).optional(), cliTest: z.boolean().optional() })
    .refine((options) => !(options.cliTest === true && options.policyType === "CEL"), {
      path: ["cliTest"],
      message: 'the Kyverno CLI test is written for ClusterPolicies only: remove cliTest or set policyType to "ClusterPolicy"',
    }),
  resolve: (written) => ({ policyType: written?.policyType ?? "ClusterPolicy", cliTest: written?.cliTest ?? false }),
};
