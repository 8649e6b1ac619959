import { type CallSite, definedAt, stamp } from "./call-site.js";
import type { SecretSource } from "./secret-source.js";

/**
 * Deliver the credential as a `kubernetes.io/dockerconfigjson` Secret (written with `--secrets`).
 *
 * @example
 * delivery: { kind: "kubernetes-secret", namespace: "kcp-system" } // what kubernetesSecret({ namespace: "kcp-system" }) returns
 */
export interface SecretDelivery {
  readonly kind: "kubernetes-secret";
  /** Namespace of the Secret, e.g. `"kcp-system"` for Kyma lifecycle-manager ≥ 1.3.11. */
  readonly namespace?: string;
}

/**
 * Deliver the credential as an External Secrets Operator `ExternalSecret` (holds no secret).
 *
 * @example
 * delivery: externalSecret({ store: { kind: "ClusterSecretStore", name: "vault" }, remoteRef: { key: "registries/harbor" } })
 */
export interface ExternalSecretDelivery {
  readonly kind: "external-secret";
  readonly namespace?: string;
  /** The (Cluster)SecretStore that holds the credential. */
  readonly store: { readonly kind: "SecretStore" | "ClusterSecretStore"; readonly name: string };
  /** Where the username and password live in the store. */
  readonly remoteRef: {
    readonly key: string;
    /** @default "username" */
    readonly usernameProperty?: string;
    /** @default "password" */
    readonly passwordProperty?: string;
  };
  /** @default "1h" */
  readonly refreshInterval?: string;
}

/**
 * A Kubernetes Secret delivery.
 *
 * @example
 * delivery: kubernetesSecret({ namespace: "kcp-system" })
 */
export function kubernetesSecret(options: Omit<SecretDelivery, "kind"> = {}): SecretDelivery {
  return Object.freeze({ ...options, kind: "kubernetes-secret" as const });
}

/**
 * An ExternalSecret delivery.
 *
 * @example
 * delivery: externalSecret({
 *   store: { kind: "ClusterSecretStore", name: "vault" },
 *   remoteRef: { key: "registries/harbor-robot" },
 * })
 */
export function externalSecret(options: Omit<ExternalSecretDelivery, "kind">): ExternalSecretDelivery {
  return Object.freeze({ ...options, kind: "external-secret" as const });
}

interface CredentialCommon {
  /** The registry host the credential is for; the single key of `.dockerconfigjson` `auths`. */
  readonly server: string;
  /**
   * Makes this a Kyma lifecycle-manager credential: the value of its
   * `operator.kyma-project.io/oci-registry-cred` label. Its Secret then lands in `kcp-system`
   * (where lifecycle-manager reads it) unless the delivery names another namespace, and
   * `out/kyma/<name>.md` says how to wire it in. Without it the credential is a plain pull secret:
   * no Kyma labels, no runbook.
   *
   * @example
   * kymaSelector: "test-operator"
   */
  readonly kymaSelector?: string;
  /** Declares that the account can only pull; regfence warns otherwise (least privilege). */
  readonly readOnly?: boolean;
}

/**
 * Options of {@link credential}: secret values come from `fromEnv`/`fromFile`, never literals.
 *
 * @example
 * { server: "registry.myco.com", username: fromEnv("REGISTRY_USER"), password: fromFile("secrets/registry-token"), readOnly: true }
 */
export type CredentialOptions = CredentialCommon &
  (
    | { readonly delivery?: SecretDelivery; readonly username: SecretSource; readonly password: SecretSource }
    | { readonly delivery: ExternalSecretDelivery; readonly username?: never; readonly password?: never }
  );

/**
 * A registry pull credential.
 *
 * @example
 * const robot: Credential = credential("harbor-robot", { server: "harbor.myco.com", delivery: externalSecret({ store: { kind: "SecretStore", name: "vault" }, remoteRef: { key: "harbor" } }) });
 */
export type Credential<Name extends string = string> = CredentialOptions & {
  readonly kind: "credential";
  readonly name: Name;
  readonly [definedAt]: CallSite;
};

/**
 * Declares a registry pull credential.
 *
 * @example
 * credential("test-operator", {
 *   server: "registry.myco.com",
 *   username: fromEnv("OCI_REGISTRY_USERNAME"),
 *   password: fromEnv("OCI_REGISTRY_PASSWORD"),
 *   readOnly: true,
 * })
 * // out/kubernetes/secrets/test-operator.yaml (type kubernetes.io/dockerconfigjson)
 */
export function credential<const Name extends string>(name: Name, options: CredentialOptions): Credential<Name> {
  return stamp({ ...options, kind: "credential" as const, name }, credential);
}
