import { azureRegistry, definePolicy, expectAddress, ovhRegistry } from "regfence";
import { production, qa } from "./networks.ts";

/**
 * Registry firewalls: the OVHcloud Managed Private Registry lets production reach the Harbor UI
 * and Q/A pull and push (seed 000); the Azure Container Registry only accepts selected networks
 * (seed 001).
 */
export default definePolicy({
  name: "registries",
  registries: [
    ovhRegistry("mpr-prod", {
      serviceName: "0123456789abcdef0123456789abcdef",
      registryId: "3f8e2d4c-9b1a-4c6e-8d2f-7a5b3c1e9f04",
      endpoint: "ovh-eu",
      management: [production],
      registry: [qa],
    }),
    azureRegistry("myContainerRegistry", {
      resourceGroup: "myResourceGroup",
      publicAccess: "selected-networks",
      networks: [production],
    }),
  ],
  tests: [
    // Production reaches the Harbor UI and the ACR, not the OVH registry endpoint (seeds 000, 001).
    expectAddress("192.0.2.10", { reaches: ["mpr-prod/management", "myContainerRegistry"], cannotReach: ["mpr-prod/registry"] }),
    // Q/A pulls and pushes on OVH only.
    expectAddress("192.0.1.25", { reaches: ["mpr-prod/registry"], cannotReach: ["mpr-prod/management", "myContainerRegistry"] }),
    // Anyone else reaches nothing.
    expectAddress("198.51.100.7", { cannotReach: ["mpr-prod/management", "mpr-prod/registry", "myContainerRegistry"] }),
  ],
});
