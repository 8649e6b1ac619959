/**
 * Type-level tests of the policy DSL, checked by `npm run typecheck` (tsc -p tsconfig.json), never
 * run: what a policy author's editor accepts and rejects. `regfence` maps to src/index.ts there,
 * exactly the import policies write. Every `@ts-expect-error` is load-bearing: tsc reports an
 * unused one (TS2578), so if the DSL starts accepting the line, typecheck fails.
 */
import {
  azureRegistry,
  containerHost,
  credential,
  defineConfig,
  definePolicy,
  definePolicyTests,
  expectAddress,
  expectImage,
  externalSecret,
  fromEnv,
  fromFile,
  harborProxyCache,
  kubernetesSecret,
  network,
  ovhRegistry,
  type Admission,
  type AdmissionMode,
  type AzurePublicAccess,
  type AzureRegistry,
  type Credential,
  type EnvSecret,
  type FileSecret,
  type Network,
  type OvhAccess,
  type Policy,
  type PolicyDefinition,
  type PolicyEndpoint,
  type SecretSource,
} from "regfence";
import { expectTypeOf } from "vitest";

const server = "registry.myco.com";

// --- secrets: only fromEnv / fromFile, never a literal -------------------------------------------

expectTypeOf(fromEnv("OCI_REGISTRY_PASSWORD")).toEqualTypeOf<EnvSecret>();
expectTypeOf(fromFile("../secrets/token")).toEqualTypeOf<FileSecret>();
expectTypeOf<EnvSecret | FileSecret>().toEqualTypeOf<SecretSource>();
expectTypeOf<string>().not.toExtend<SecretSource>();

credential("env", { server, username: fromEnv("USER"), password: fromEnv("PASSWORD") });
credential("file", { server, username: fromFile("user"), password: fromFile("password"), delivery: kubernetesSecret({ namespace: "kcp-system" }) });

credential("literal-password", {
  server,
  username: fromEnv("USER"),
  // @ts-expect-error a literal secret is not a SecretSource
  password: "hunter2",
});

credential("literal-username", {
  server,
  // @ts-expect-error a literal secret is not a SecretSource
  username: "bob",
  password: fromEnv("PASSWORD"),
});

// A Secret delivery (the default) needs both.
// @ts-expect-error password is missing
credential("no-password", { server, username: fromEnv("USER") });

// --- ExternalSecret delivery: the store holds the secret -----------------------------------------

const vault = externalSecret({ store: { kind: "ClusterSecretStore", name: "vault" }, remoteRef: { key: "registries/robot" } });
credential("external", { server, delivery: vault });

// The union reports these at the options object: no member takes an ExternalSecret plus a secret.
// @ts-expect-error an ExternalSecret reads the password from its store
credential("external-with-password", { server, delivery: vault, password: fromEnv("PASSWORD") });

// @ts-expect-error an ExternalSecret reads the username from its store
credential("external-with-username", { server, delivery: vault, username: fromEnv("USER") });

// @ts-expect-error an ExternalSecret reads both from its store
credential("external-with-both", { server, delivery: vault, username: fromEnv("USER"), password: fromEnv("PASSWORD") });

// @ts-expect-error the store's kind is a literal union
externalSecret({ store: { kind: "Vault", name: "vault" }, remoteRef: { key: "k" } });

// --- admission ------------------------------------------------------------------------------------

expectTypeOf<AdmissionMode>().toEqualTypeOf<"Enforce" | "Audit">();
expectTypeOf<NonNullable<Admission["failurePolicy"]>>().toEqualTypeOf<"Fail" | "Ignore">();
definePolicy({ name: "audit", admission: { mode: "Audit", allow: ["registry.internal.myco.com:5000"], failurePolicy: "Ignore", timeoutSeconds: 5 } });

definePolicy({
  name: "block",
  admission: {
    // @ts-expect-error "Block" is not an admission mode
    mode: "Block",
  },
});

// --- Azure ----------------------------------------------------------------------------------------

expectTypeOf<AzurePublicAccess>().toEqualTypeOf<"selected-networks" | "all-networks" | "disabled">();
expectTypeOf(azureRegistry("acr", { resourceGroup: "rg", publicAccess: "disabled" })).toEqualTypeOf<AzureRegistry<"acr">>();

azureRegistry("acr", {
  resourceGroup: "rg",
  // @ts-expect-error "public" is not one of the public access settings
  publicAccess: "public",
});

// --- networks -------------------------------------------------------------------------------------

const production = network("production", [
  { cidr: "192.0.2.0/24", description: "production" },
  { cidr: "203.0.113.7", description: "build agent" },
  { cidr: "2001:db8::/32", description: "IPv6" },
]);
expectTypeOf(production).toEqualTypeOf<Network<"production">>();
expectTypeOf(production.name).toEqualTypeOf<"production">();
expectTypeOf(network("a", []).name).toEqualTypeOf<"a">();
expectTypeOf(azureRegistry("acr", { resourceGroup: "rg" }).name).toEqualTypeOf<"acr">();
expectTypeOf(credential("robot", { server, delivery: vault })).toExtend<Credential<"robot">>();
expectTypeOf(network).returns.toExtend<Network>();

// @ts-expect-error "not-an-ip" is neither an address nor a CIDR block
network("typo", [{ cidr: "not-an-ip", description: "typo" }]);

// @ts-expect-error every rule needs a description
network("undescribed", [{ cidr: "192.0.2.0/24" }]);

// --- OVH ------------------------------------------------------------------------------------------

expectTypeOf<OvhAccess>().toEqualTypeOf<readonly (Network | string)[] | "open">();
ovhRegistry("mpr", { serviceName: "s", registryId: "r", management: "open", registry: [production, "qa"], endpoint: "ovh-ca" });

ovhRegistry("mpr-closed", {
  serviceName: "s",
  registryId: "r",
  // @ts-expect-error only "open" is allowed besides a list of networks
  management: "closed",
  registry: [production],
});

ovhRegistry("mpr-eu", {
  serviceName: "s",
  registryId: "r",
  // @ts-expect-error not an OVH API endpoint
  endpoint: "ovh-asia",
  management: "open",
  registry: "open",
});

// --- unknown keys in option bags ------------------------------------------------------------------

azureRegistry("acr-extra", {
  resourceGroup: "rg",
  // @ts-expect-error unknown option
  resourcegroup: "rg",
});

harborProxyCache({
  host: "harbor.myco.com",
  upstreams: ["docker.io"],
  // @ts-expect-error unknown option
  libraryPrefix: true,
});

containerHost("vch", {
  // @ts-expect-error unknown option (the option is `whitelist`)
  allowlist: ["10.2.40.40:443"],
});

definePolicy({
  name: "extra",
  // @ts-expect-error unknown policy key
  registry: [],
});

definePolicy({
  name: "extra-admission",
  admission: {
    // @ts-expect-error unknown admission key
    excludeNamespace: ["kube-system"],
  },
});

kubernetesSecret({
  // @ts-expect-error unknown delivery option
  name: "robot",
});

// --- definePolicy ---------------------------------------------------------------------------------

// A policy's type carries the endpoints its tests may name: none here.
expectTypeOf(definePolicy({ name: "minimal" })).toEqualTypeOf<Policy<never>>();
expectTypeOf(definePolicy({ name: "minimal" })).toMatchTypeOf<Policy>();
expectTypeOf<PolicyDefinition["name"]>().toEqualTypeOf<string>();
// Any definition a policy may have is accepted as it is.
declare const someDefinition: PolicyDefinition;
expectTypeOf(definePolicy(someDefinition)).toEqualTypeOf<Policy>();

// @ts-expect-error a policy needs a name
definePolicy({});

// @ts-expect-error a policy needs a name
definePolicy({ registries: [] });

// @ts-expect-error policy names are strings
definePolicy({ name: 42 });

// The config's per-target sections come from the targets' own option types.
defineConfig({ targets: ["kyverno", "ovh"], kyverno: { policyType: "CEL" }, ovh: { endpoint: "ovh-ca" } });
// @ts-expect-error a policy type Kyverno does not have
defineConfig({ kyverno: { policyType: "Policy" } });
// @ts-expect-error vic takes no options
defineConfig({ vic: {} });
// @ts-expect-error a target regfence does not have
defineConfig({ targets: ["acr"] });

// A Harbor proxy cache: the provider is one Harbor knows, upstream credentials are never literals.
const pull = credential("pull", { server: "harbor.myco.com", username: fromEnv("U"), password: fromEnv("P") });
harborProxyCache({ host: "harbor.myco.com", harborVersion: "2.15.1", upstreams: [{ registry: "quay.io", provider: "docker-registry" }], projects: { public: true }, robot: { name: "pull", credential: pull } });
// @ts-expect-error a registry type Harbor does not have
harborProxyCache({ host: "harbor.myco.com", upstreams: [{ registry: "quay.io", provider: "quay.io" }] });
// @ts-expect-error a literal password for an upstream
harborProxyCache({ host: "harbor.myco.com", upstreams: [{ registry: "docker.io", credentials: { username: fromEnv("U"), password: "hunter2" } }] });

// --- tests beside the policy ------------------------------------------------------------------------

const testedOvh = ovhRegistry("mpr-prod", { serviceName: "0123456789abcdef0123456789abcdef", registryId: "3f8e2d4c-9b1a-4c6e-8d2f-7a5b3c1e9f04", management: "open", registry: "open" });
const testedAcr = azureRegistry("myContainerRegistry", { resourceGroup: "rg" });

definePolicy({
  name: "tested",
  registries: [testedOvh, testedAcr],
  tests: [
    expectImage("nginx:1.27", { rewrittenTo: "nginx:1.27", admitted: true }),
    expectAddress("192.0.2.10", { reaches: ["mpr-prod/management", "myContainerRegistry"], cannotReach: ["mpr-prod/registry"] }),
  ],
});

definePolicy({
  name: "misspelt-endpoint",
  registries: [testedOvh],
  // @ts-expect-error "mpr-prod/managment" is not an endpoint of this policy
  tests: [expectAddress("192.0.2.10", { reaches: ["mpr-prod/managment"] })],
});

definePolicy({
  name: "unknown-registry",
  registries: [testedOvh],
  // @ts-expect-error the policy has no registry "myContainerRegistry"
  tests: [expectAddress("192.0.2.10", { cannotReach: ["myContainerRegistry"] })],
});

// @ts-expect-error an image expectation's options are rewrittenTo, admitted and namespace
expectImage("nginx", { rewritten: "x" });

expectTypeOf<PolicyEndpoint<{ name: "p"; registries: [typeof testedOvh, typeof testedAcr] }>>().toEqualTypeOf<"mpr-prod/management" | "mpr-prod/registry" | "myContainerRegistry">();

// Tests in a .policy.test.ts: typed by the policy they test, as its own tests are.
const testedPolicy = definePolicy({ name: "tested-file", registries: [testedOvh, testedAcr] });
definePolicyTests(testedPolicy, [
  expectImage("nginx:1.27", { admitted: true }),
  expectAddress("192.0.2.10", { reaches: ["mpr-prod/management", "myContainerRegistry"], cannotReach: ["mpr-prod/registry"] }),
]);
// @ts-expect-error "mpr-prod/managment" is not an endpoint of the policy tested
definePolicyTests(testedPolicy, [expectAddress("192.0.2.10", { reaches: ["mpr-prod/managment"] })]);
// @ts-expect-error a policy without registries has no endpoint to reach
definePolicyTests(definePolicy({ name: "bare" }), [expectAddress("192.0.2.10", { reaches: ["myContainerRegistry"] })]);
// @ts-expect-error only a policy is tested
definePolicyTests({ name: "not-a-policy" }, [expectImage("nginx", { admitted: true })]);

const testedVch = containerHost("vch1", { whitelist: ["10.2.2.0/24"] });
definePolicy({ name: "tested-vch", containerHosts: [testedVch], tests: [expectAddress("10.2.2.17", { reaches: ["vch1/whitelist"] })] });
definePolicy({
  name: "misspelt-vch",
  containerHosts: [testedVch],
  // @ts-expect-error a VCH's endpoint is "<name>/whitelist"
  tests: [expectAddress("10.2.2.17", { reaches: ["vch1"] })],
});
