import { z } from "zod";

/**
 * The runtime shape of DSL values. Type-checking already enforces it for policies written against
 * the DSL; this catches what slips past (`as any`, `--no-typecheck`, plain JavaScript) with the
 * same precision, so the IR builder can rely on well-formed input.
 */
const text = z.string();
const names = z.array(text);

const secretSource = z.discriminatedUnion(
  "from",
  [
    z.strictObject({ kind: z.literal("secret-source"), from: z.literal("env"), variable: text }),
    z.strictObject({ kind: z.literal("secret-source"), from: z.literal("file"), path: text }),
  ],
  {
    error: (issue) =>
      typeof issue.input === "string"
        ? 'a literal string where a secret belongs: use fromEnv("NAME") or fromFile("path"), secrets never appear in policy files'
        : undefined,
  },
);

export const networkShape = z.strictObject({
  kind: z.literal("network"),
  name: text,
  rules: z.array(z.strictObject({ cidr: text, description: text })),
});

const networkRef = z.union([networkShape, text]);

const credentialRef = z.looseObject({ kind: z.literal("credential"), name: text });
const harborProviders = ["docker-hub", "docker-registry", "github-ghcr", "quay", "google-gcr", "aws-ecr", "azure-acr", "ali-acr", "jfrog-artifactory", "harbor"] as const;

const proxyCache = z.strictObject({
  kind: z.literal("harbor-proxy-cache"),
  host: text,
  upstreams: z.array(
    z.union([
      text,
      z.strictObject({
        registry: text,
        project: text.optional(),
        provider: z.enum(harborProviders).optional(),
        url: text.optional(),
        credentials: z.strictObject({ username: secretSource, password: secretSource }).optional(),
      }),
    ]),
  ),
  dockerHubLibraryPrefix: z.boolean().optional(),
  pullSecret: credentialRef.optional(),
  api: text.optional(),
  harborVersion: text.optional(),
  projects: z.strictObject({ public: z.boolean().optional(), proxySpeedKb: z.number().int().min(-1).max(2_147_483_647).optional(), localOnNotFound: z.boolean().optional() }).optional(),
  robot: z.strictObject({ name: text, credential: credentialRef }).optional(),
  nodeMirrors: z
    .strictObject({ runtimes: z.array(z.enum(["containerd", "cri-o", "k3s", "talos"])).optional(), strict: z.boolean().optional(), caFile: text.optional(), endpoint: text.optional() })
    .optional(),
});

const admission = z.strictObject({
  mode: z.enum(["Enforce", "Audit"]).optional(),
  allow: names.optional(),
  excludeNamespaces: names.optional(),
  failurePolicy: z.enum(["Fail", "Ignore"]).optional(),
  timeoutSeconds: z.number().int().min(1).max(30).optional(),
});

const azureRegistry = z.strictObject({
  kind: z.literal("azure-registry"),
  name: text,
  resourceGroup: text,
  subscription: text.optional(),
  publicAccess: z.enum(["selected-networks", "all-networks", "disabled"]).optional(),
  networks: z.array(networkRef).optional(),
  trustedServices: z.boolean().optional(),
});

const ovhAccess = z.union([z.literal("open"), z.array(networkRef)]);
const ovhRegistry = z.strictObject({
  kind: z.literal("ovh-registry"),
  name: text,
  serviceName: text,
  registryId: text,
  endpoint: z.enum(["ovh-eu", "ovh-ca", "ovh-us"]).optional(),
  management: ovhAccess,
  registry: ovhAccess,
});

const containerHost = z.strictObject({
  kind: z.literal("container-host"),
  name: text,
  whitelist: z.array(z.union([text, networkShape])).optional(),
  insecureRegistries: names.optional(),
  registryCas: z.array(z.union([text, z.strictObject({ file: text, registry: text.optional() })])).optional(),
  vicRegistries: names.optional(),
});

const secretDelivery = z.strictObject({ kind: z.literal("kubernetes-secret"), namespace: text.optional() });
const externalSecretDelivery = z.strictObject({
  kind: z.literal("external-secret"),
  namespace: text.optional(),
  store: z.strictObject({ kind: z.enum(["SecretStore", "ClusterSecretStore"]), name: text }),
  remoteRef: z.strictObject({ key: text, usernameProperty: text.optional(), passwordProperty: text.optional() }),
  refreshInterval: text.optional(),
});

const credential = z
  .strictObject({
    kind: z.literal("credential"),
    name: text,
    server: text,
    delivery: z.discriminatedUnion("kind", [secretDelivery, externalSecretDelivery]).optional(),
    username: secretSource.optional(),
    password: secretSource.optional(),
    kymaSelector: text.optional(),
    readOnly: z.boolean().optional(),
  })
  .superRefine((value, context) => {
    const external = value.delivery?.kind === "external-secret";
    for (const key of ["username", "password"] as const) {
      if (external && value[key] !== undefined) {
        context.addIssue({ code: "custom", path: [key], message: `an ExternalSecret reads the ${key} from its store; remove \`${key}\`` });
      } else if (!external && value[key] === undefined) {
        context.addIssue({ code: "custom", path: [key], message: `a credential delivered as a Secret needs a ${key}: fromEnv("NAME") or fromFile("path")` });
      }
    }
  });

const policyTest = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("image-expectation"), image: text, rewrittenTo: text.optional(), admitted: z.boolean().optional(), namespace: text.optional(), nodesPullFrom: text.optional() }),
  z.strictObject({ kind: z.literal("address-expectation"), address: text, reaches: names.optional(), cannotReach: names.optional() }),
]);

export const policyShape = z.strictObject({
  kind: z.literal("policy"),
  name: text,
  networks: z.array(networkShape).optional(),
  proxyCache: proxyCache.optional(),
  admission: admission.optional(),
  registries: z.array(z.discriminatedUnion("kind", [azureRegistry, ovhRegistry])).optional(),
  containerHosts: z.array(containerHost).optional(),
  credentials: z.array(credential).optional(),
  tests: z.array(policyTest).optional(),
});

/** A `.policy.test.ts` file's default export; its policy is checked where it is defined. */
export const policyTestsShape = z.strictObject({
  kind: z.literal("policy-tests"),
  policy: z.looseObject({ kind: z.literal("policy") }),
  tests: z.array(policyTest),
});
