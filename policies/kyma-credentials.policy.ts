import { credential, definePolicy, fromEnv } from "regfence";

/**
 * The pull credential Kyma lifecycle-manager uses for the private OCI registry that hosts module
 * images (seed 003). The username and password are read from the environment at compile time.
 */
export default definePolicy({
  name: "kyma-credentials",
  credentials: [
    credential("test-operator", {
      server: "registry.myco.com",
      username: fromEnv("OCI_REGISTRY_USERNAME"),
      password: fromEnv("OCI_REGISTRY_PASSWORD"),
      kymaSelector: "test-operator",
      readOnly: true,
    }),
  ],
});
