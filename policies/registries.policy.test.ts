import { definePolicyTests, expectAddress } from "regfence";
import registries from "./registries.policy.ts";

/** Who reaches which registry endpoint, as the seeds' tables say (run by `regfence test`). */
export default definePolicyTests(registries, [
  // Production reaches the Harbor UI and the ACR, not the OVH registry endpoint (seeds 000, 001).
  expectAddress("192.0.2.10", { reaches: ["mpr-prod/management", "myContainerRegistry"], cannotReach: ["mpr-prod/registry"] }),
  // Q/A pulls and pushes on OVH only.
  expectAddress("192.0.1.25", { reaches: ["mpr-prod/registry"], cannotReach: ["mpr-prod/management", "myContainerRegistry"] }),
  // Anyone else reaches nothing.
  expectAddress("198.51.100.7", { cannotReach: ["mpr-prod/management", "mpr-prod/registry", "myContainerRegistry"] }),
]);
