import type { TargetName } from "../dsl/index.js";
import { azureTarget } from "./azure/azure-target.js";
import { credentialsTarget } from "./credentials/credentials-target.js";
import { kyvernoTarget } from "./kyverno/kyverno-target.js";
import { ovhTarget } from "./ovh/ovh-target.js";
import type { Target } from "./target.js";
import { vicTarget } from "./vic/vic-target.js";

/** Every target, by name; a target whose issue has not landed is simply not here yet. */
export const allTargets: Readonly<Record<TargetName, Target>> = {
  ovh: ovhTarget,
  credentials: credentialsTarget,
  vic: vicTarget,
  azure: azureTarget,
  kyverno: kyvernoTarget,
};
