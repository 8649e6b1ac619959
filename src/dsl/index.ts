export { network, type IpAddressOrCidr, type IpRule, type Network, type NetworkRef } from "./network.js";
export { fromEnv, fromFile, type EnvSecret, type FileSecret, type SecretSource } from "./secret-source.js";
export {
  harborProxyCache,
  type HarborProjectSettings,
  type HarborProvider,
  type HarborProxyCache,
  type HarborProxyCacheOptions,
  type HarborRobot,
  type NodeMirrors,
  type NodeRuntime,
  type Upstream,
} from "./proxy-cache.js";
export type { Admission, AdmissionMode } from "./admission.js";
export { azureRegistry, type AzurePublicAccess, type AzureRegistry, type AzureRegistryOptions } from "./azure-registry.js";
export { ovhRegistry, type OvhAccess, type OvhEndpoint, type OvhRegistry, type OvhRegistryOptions } from "./ovh-registry.js";
export {
  containerHost,
  type ContainerHost,
  type ContainerHostOptions,
  type RegistryAddress,
  type RegistryCa,
} from "./container-host.js";
export {
  credential,
  externalSecret,
  kubernetesSecret,
  type Credential,
  type CredentialOptions,
  type ExternalSecretDelivery,
  type SecretDelivery,
} from "./credential.js";
export { definePolicy, type ManagedRegistry, type Policy, type PolicyDefinition, type PolicyEndpoint } from "./define-policy.js";
export { definePolicyTests, type PolicyTests } from "./define-policy-tests.js";
export { expectAddress, expectImage, type AddressExpectation, type ImageExpectation, type PolicyTest } from "./policy-test.js";
