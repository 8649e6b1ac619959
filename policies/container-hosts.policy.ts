import { containerHost, definePolicy, expectAddress } from "regfence";

/**
 * The VCH `vch1` may only pull from the registry at 10.2.40.40:443 (whose CA is ca.crt), the
 * registries in 10.2.2.0/24 and *.mycompany.com, plus the insecure registry 192.168.100.207
 * (vic-machine whitelist example, seed 002).
 */
export default definePolicy({
  name: "container-hosts",
  containerHosts: [
    containerHost("vch1", {
      whitelist: ["10.2.40.40:443", "10.2.2.0/24", "*.mycompany.com"],
      insecureRegistries: ["192.168.100.207"],
      registryCas: [{ file: "/home/admin/mycerts/ca.crt", registry: "10.2.40.40:443" }],
    }),
  ],
  tests: [
    // Registries in 10.2.2.0/24 and the insecure 192.168.100.207 may be pulled from.
    expectAddress("10.2.2.17", { reaches: ["vch1/whitelist"] }),
    expectAddress("192.168.100.207", { reaches: ["vch1/whitelist"] }),
    // 10.2.40.40 only as 10.2.40.40:443 (RF6031): a pull that names the bare address is refused.
    expectAddress("10.2.40.40", { cannotReach: ["vch1/whitelist"] }),
    expectAddress("10.9.9.9", { cannotReach: ["vch1/whitelist"] }),
  ],
});
