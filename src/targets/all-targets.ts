import type { TargetName } from "../dsl/index.js";
import { ovhTarget } from "./ovh/ovh-target.js";
import type { Target } from "./target.js";

/** Every target, by name; a target whose issue has not landed is simply not here yet. */
export const allTargets: Readonly<Record<TargetName, Target>> = {
  ovh: ovhTarget,
};
