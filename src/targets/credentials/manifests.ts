import type { CredentialNode, ExternalSecretDeliveryNode } from "../../ir/model.js";
import { goJsonString } from "./docker-config.js";

/** Label lifecycle-manager caches Secrets by (mandatory before KLM PR #1160, harmless since). */
export const managedByLabel = "operator.kyma-project.io/managed-by";
/** Label whose value KLM ≤ 1.3.10 selects the pull Secret by (`--registry-cred-selector`). */
export const registryCredLabel = "operator.kyma-project.io/oci-registry-cred";

/** The Secret type go-containerregistry's keychain accepts (an `Opaque` Secret is silently ignored). */
export const dockerConfigJsonType = "kubernetes.io/dockerconfigjson";

/** The labels of a Kyma credential's Secret, whichever way it is delivered. */
export function kymaLabels(selector: string): Record<string, string> {
  return { [managedByLabel]: "lifecycle-manager", [registryCredLabel]: selector };
}

/** The metadata regfence writes for a credential's objects. */
interface ObjectMetadata {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

function objectMetadata(credential: CredentialNode, labels: boolean): ObjectMetadata {
  return {
    name: credential.name,
    ...(credential.delivery.namespace === null ? {} : { namespace: credential.delivery.namespace }),
    ...(labels && credential.kymaSelector !== null ? { labels: kymaLabels(credential.kymaSelector) } : {}),
  };
}

/** The Secret a credential makes (either delivery), without its data: all `plan` compares, as values are never read back. */
export function secretWithoutData(credential: CredentialNode): { readonly apiVersion: "v1"; readonly kind: "Secret"; readonly metadata: ObjectMetadata; readonly type: string } {
  return { apiVersion: "v1", kind: "Secret", metadata: objectMetadata(credential, true), type: dockerConfigJsonType };
}

/** The `kubernetes.io/dockerconfigjson` Secret, `data` base64-encoded as kubectl writes it. */
export function secretManifest(credential: CredentialNode, dockerConfigJson: string): Record<string, unknown> {
  return { ...secretWithoutData(credential), data: { ".dockerconfigjson": Buffer.from(dockerConfigJson, "utf8").toString("base64") } };
}

/** The ExternalSecret's keys for the fetched values, which the template below reads. */
const usernameKey = "username";
const passwordKey = "password";

/**
 * The ESO (template engine v2: Go text/template with sprig) source of `.dockerconfigjson`. Sprig's
 * `toJson` is Go's `json.Marshal`, so the Secret ESO writes is byte-identical to kubectl's for the
 * same username and password.
 */
export function externalSecretDockerConfig(server: string): string {
  const value = (key: string) => `{{ .${key} | toJson }}`;
  const auth = `{{ printf "%s:%s" .${usernameKey} .${passwordKey} | b64enc | toJson }}`;
  return `{"auths":{${goJsonString(server)}:{"username":${value(usernameKey)},"password":${value(passwordKey)},"auth":${auth}}}}`;
}

/** An `external-secrets.io/v1` ExternalSecret that makes the same Secret from a (Cluster)SecretStore. */
export function externalSecretManifest(
  credential: CredentialNode,
  delivery: ExternalSecretDeliveryNode,
): { readonly apiVersion: string; readonly kind: "ExternalSecret"; readonly metadata: ObjectMetadata; readonly spec: Record<string, unknown> } {
  const remote = (secretKey: string, property: string) => ({ secretKey, remoteRef: { key: delivery.remoteKey, property } });
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: objectMetadata(credential, false),
    spec: {
      refreshInterval: delivery.refreshInterval,
      secretStoreRef: { kind: delivery.store.kind, name: delivery.store.name },
      target: {
        name: credential.name,
        creationPolicy: "Owner",
        template: {
          engineVersion: "v2",
          type: dockerConfigJsonType,
          ...(credential.kymaSelector === null ? {} : { metadata: { labels: kymaLabels(credential.kymaSelector) } }),
          data: { ".dockerconfigjson": externalSecretDockerConfig(credential.server) },
        },
      },
      data: [remote(usernameKey, delivery.usernameProperty), remote(passwordKey, delivery.passwordProperty)],
    },
  };
}
