import type { z } from "zod";

/**
 * A target's section of the config (`ovh: { endpoint: "ovh-ca" }`): the schema the section is
 * checked with, and how it resolves, defaults applied, into what the target's emitter receives.
 * The config's type and its checks are made from every target's spec, so a target's options live
 * in its own folder.
 */
export interface TargetOptionsSpec<Written, Resolved> {
  readonly schema: z.ZodType<Written>;
  resolve(written: Written | undefined): Resolved;
}
