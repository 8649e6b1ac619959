/**
 * The policy the `regfence test` tests hold to expectations: a Harbor proxy cache for Docker Hub
 * and quay.io, admission of the proxy only, and an OVH registry whose management endpoint only
 * the office (198.51.100.0/24) reaches; `tests` are the lines of its `tests` array (line 18 on).
 */
export const platformPolicy = (tests: string) => `import { definePolicy, expectAddress, expectImage, harborProxyCache, network, ovhRegistry } from "regfence";

const office = network("office", [{ cidr: "198.51.100.0/24", description: "head office" }]);

export default definePolicy({
  name: "platform",
  proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["docker.io", "quay.io"] }),
  admission: { mode: "Enforce", allow: ["harbor.myco.com"] },
  registries: [
    ovhRegistry("mpr-prod", {
      serviceName: "0123456789abcdef0123456789abcdef",
      registryId: "3f8e2d4c-9b1a-4c6e-8d2f-7a5b3c1e9f04",
      management: [office],
      registry: "open",
    }),
  ],
  tests: [
${tests}
  ],
});
`;
