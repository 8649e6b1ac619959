import { z } from "zod";
import type { OvhEndpoint } from "../../dsl/index.js";
import type { TargetOptionsSpec } from "../target-options.js";

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

export interface ResolvedOvhOptions {
  readonly endpoint: OvhEndpoint;
}

export const ovhOptions: TargetOptionsSpec<OvhTargetOptions, ResolvedOvhOptions> = {
  schema: z.strictObject({ endpoint: z.enum(["ovh-eu", "ovh-ca", "ovh-us"]).optional() }),
  resolve: (written) => ({ endpoint: written?.endpoint ?? "ovh-eu" }),
};
