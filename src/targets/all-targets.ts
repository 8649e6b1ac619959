import type { TargetName } from "../dsl/index.js";
import { azureTarget } from "./azure/azure-target.js";
import { credentialsTarget } from "./credentials/credentials-target.js";
import { kyvernoTarget } from "./kyverno/kyverno-target.js";
import { ovhTarget } from "./ovh/ovh-target.js";
import type { Target } from "./target.js";
import { vicTarget } from "./vic/vic-target.js";

/**
 * Every target, by name, in the order they run and are summarised. Keyed by `TargetName`, so a
 * name without a target (or the reverse) fails to compile; the config's list derives from it.
 */
export const allTargets: Readonly<Record<TargetName, Target>> = {
  kyverno: kyvernoTarget,
  azure: azureTarget,
  ovh: ovhTarget,
  vic: vicTarget,
  credentials: credentialsTarget,
};

/** The target names, for the config schema and `--target`. */
export const targetNames = Object.keys(allTargets) as [TargetName, ...TargetName[]];
