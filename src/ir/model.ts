import type { IpBlock } from "./ip-block.js";
import type { SourceAnchor } from "../diagnostics/source-anchor.js";
import type { HarborProvider, NodeRuntime } from "../dsl/index.js";

/**
 * The intermediate representation every emitter reads: plain, deeply frozen data built from the
 * evaluated policies, every node carrying the source anchor of the DSL call that made it.
 * Emitters never see DSL values.
 */
export interface ProgramNode {
  /** Sorted by policy name, so output never depends on discovery order. */
  readonly policies: readonly PolicyNode[];
}

export interface PolicyNode {
  readonly kind: "policy";
  readonly name: string;
  /** The policy file, relative to the working directory. */
  readonly file: string;
  readonly source: SourceAnchor;
  /** Every network the policy defines or references, sorted by name. */
  readonly networks: readonly NetworkNode[];
  readonly proxyCache: ProxyCacheNode | null;
  readonly admission: AdmissionNode | null;
  /** Sorted by kind, then name. */
  readonly registries: readonly RegistryNode[];
  readonly containerHosts: readonly ContainerHostNode[];
  readonly credentials: readonly CredentialNode[];
  /** The policy's expectations, in the order written. */
  readonly tests: readonly PolicyTestNode[];
}

export type PolicyTestNode = ImageTestNode | AddressTestNode;

/** `expectImage(image, { rewrittenTo, admitted, namespace })`: what is not expected is null. */
export interface ImageTestNode {
  readonly kind: "image-test";
  readonly image: string;
  readonly rewrittenTo: string | null;
  readonly admitted: boolean | null;
  readonly namespace: string | null;
  readonly nodesPullFrom: string | null;
  readonly source: SourceAnchor;
}

/** `expectAddress(address, { reaches, cannotReach })`, each endpoint where it is written. */
export interface AddressTestNode {
  readonly kind: "address-test";
  readonly address: string;
  /** The parsed address or block; null when it is not one (reported). */
  readonly block: IpBlock | null;
  readonly expectations: readonly { readonly endpoint: string; readonly reaches: boolean; readonly source: SourceAnchor }[];
  readonly source: SourceAnchor;
}

export interface NetworkNode {
  readonly kind: "network";
  readonly name: string;
  readonly rules: readonly IpRuleNode[];
  readonly source: SourceAnchor;
}

export interface IpRuleNode {
  readonly kind: "ip-rule";
  /** The block, normalised: bare addresses become /32 or /128. */
  readonly block: IpBlock;
  /** The value as the policy wrote it. */
  readonly written: string;
  readonly description: string;
  /** The network the rule belongs to. */
  readonly network: string;
  readonly source: SourceAnchor;
}

export interface ProxyCacheNode {
  readonly kind: "harbor-proxy-cache";
  readonly host: string;
  readonly upstreams: readonly UpstreamNode[];
  readonly dockerHubLibraryPrefix: boolean;
  /** Name of the credential whose Secret is the pull secret, if any. */
  readonly pullSecret: string | null;
  /** The Harbor API base URL, as written or `https://<host>`. */
  readonly api: string;
  /** The Harbor version provisioned, as written (e.g. `2.15.1`). */
  readonly harborVersion: string;
  readonly projects: { readonly public: boolean; readonly proxySpeedKb: number | null; readonly localOnNotFound: boolean };
  /** The robot account to create, and the credential its secret feeds. */
  readonly robot: { readonly name: string; readonly credential: string; readonly source: SourceAnchor } | null;
  /** The runtimes' own mirror configuration, when the policy asks for it. */
  readonly nodeMirrors: NodeMirrorsNode | null;
  readonly source: SourceAnchor;
}

export interface NodeMirrorsNode {
  /** Deduplicated, in a fixed order. */
  readonly runtimes: readonly NodeRuntime[];
  readonly strict: boolean;
  /** An absolute path on the node, or null for the node's trust store. */
  readonly caFile: string | null;
  /** The registry URL nodes pull from, as written or `https://<host>`. */
  readonly endpoint: string;
  readonly source: SourceAnchor;
}

export interface UpstreamNode {
  readonly kind: "upstream";
  /** The registry host, e.g. `docker.io`. */
  readonly registry: string;
  /** Other hosts that name the same registry (`index.docker.io`, `registry-1.docker.io`). */
  readonly aliases: readonly string[];
  /** The Harbor project that proxies it. */
  readonly project: string;
  /** Harbor's registry type for it, as written (null: to be inferred from the host). */
  readonly provider: HarborProvider | null;
  /** Its URL for Harbor, as written (null: the provider's default). */
  readonly url: string | null;
  /** Credentials Harbor pulls from it with, by reference only. */
  readonly credentials: { readonly username: SecretRefNode; readonly password: SecretRefNode } | null;
  /** Where the project name is written (the upstream itself when it is a bare host). */
  readonly projectSource: SourceAnchor;
  readonly source: SourceAnchor;
}

export interface AdmissionNode {
  readonly kind: "admission";
  readonly mode: "Enforce" | "Audit";
  /** Allowed registries, the proxy cache's host first. */
  readonly allow: readonly AllowedRegistryNode[];
  readonly excludeNamespaces: readonly string[];
  readonly failurePolicy: "Fail" | "Ignore";
  readonly timeoutSeconds: number;
  readonly source: SourceAnchor;
}

export interface AllowedRegistryNode {
  readonly kind: "allowed-registry";
  readonly host: string;
  /** A repository path prefix under the host, or null for the whole host. */
  readonly pathPrefix: string | null;
  readonly source: SourceAnchor;
}

export type RegistryNode = AzureRegistryNode | OvhRegistryNode;

export interface AzureRegistryNode {
  readonly kind: "azure-registry";
  readonly name: string;
  readonly resourceGroup: string;
  readonly subscription: string | null;
  readonly publicAccess: "selected-networks" | "all-networks" | "disabled";
  /** Trusted Azure services bypass the firewall (`networkRuleBypassOptions: AzureServices`). */
  readonly trustedServices: boolean;
  /** The rules of every referenced network, in reference order. */
  readonly rules: readonly IpRuleNode[];
  readonly source: SourceAnchor;
}

export interface OvhRegistryNode {
  readonly kind: "ovh-registry";
  readonly name: string;
  readonly serviceName: string;
  readonly registryId: string;
  /** Null when the policy leaves it to the config's default. */
  readonly endpoint: "ovh-eu" | "ovh-ca" | "ovh-us" | null;
  readonly management: OvhAccessNode;
  readonly registry: OvhAccessNode;
  readonly source: SourceAnchor;
}

export interface OvhAccessNode {
  readonly kind: "ovh-access";
  /** Declared open on purpose: an empty list, which OVH reads as "no restriction". */
  readonly open: boolean;
  readonly rules: readonly IpRuleNode[];
  /** False when a network reference or rule of the list was reported as wrong already. */
  readonly complete: boolean;
  readonly source: SourceAnchor;
}

export interface ContainerHostNode {
  readonly kind: "container-host";
  readonly name: string;
  readonly whitelist: readonly RegistryAddressNode[];
  readonly insecureRegistries: readonly RegistryAddressNode[];
  readonly registryCas: readonly RegistryCaNode[];
  readonly vicRegistries: readonly RegistryAddressNode[];
  readonly source: SourceAnchor;
}

export interface RegistryAddressNode {
  readonly kind: "registry-address";
  /** As written; each target parses it by its own rules. */
  readonly address: string;
  /** Set when the entry came from a network's rule. */
  readonly network: string | null;
  readonly source: SourceAnchor;
}

export interface RegistryCaNode {
  readonly kind: "registry-ca";
  readonly file: string;
  readonly registry: string | null;
  /** Where `file` is written. */
  readonly source: SourceAnchor;
  /** Where `registry` is written, or null when the CA names no registry. */
  readonly registrySource: SourceAnchor | null;
}

export interface CredentialNode {
  readonly kind: "credential";
  readonly name: string;
  readonly server: string;
  readonly delivery: SecretDeliveryNode | ExternalSecretDeliveryNode;
  /** The Kyma selector label value; null for a credential that is not Kyma lifecycle-manager's. */
  readonly kymaSelector: string | null;
  readonly readOnly: boolean;
  readonly source: SourceAnchor;
}

export interface SecretDeliveryNode {
  readonly kind: "kubernetes-secret";
  readonly namespace: string | null;
  readonly username: SecretRefNode;
  readonly password: SecretRefNode;
  /** The `delivery` option, or the credential itself when it leaves delivery to the default. */
  readonly source: SourceAnchor;
}

export interface ExternalSecretDeliveryNode {
  readonly kind: "external-secret";
  readonly namespace: string | null;
  readonly store: { readonly kind: "SecretStore" | "ClusterSecretStore"; readonly name: string };
  readonly remoteKey: string;
  readonly usernameProperty: string;
  readonly passwordProperty: string;
  readonly refreshInterval: string;
  readonly source: SourceAnchor;
}

/** Where a secret is read from; never the secret itself. */
export type SecretRefNode =
  | { readonly kind: "env"; readonly variable: string; readonly source: SourceAnchor }
  | { readonly kind: "file"; readonly path: string; readonly source: SourceAnchor };
