import { azureRegistry, definePolicy, ovhRegistry } from "regfence";
import { production, qa } from "./networks.ts";

/**
 * Registry firewalls: the OVHcloud Managed Private Registry lets production reach the Harbor UI
 * and Q/A pull and push (seed 000); the Azure Container Registry only accepts selected networks
 * (seed 001). Who reaches what is tested in registries.policy.test.ts beside it.
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
});
