import type { PolicyNode, ProxyCacheNode } from "../../ir/model.js";

/**
 * The namespace of the proxy's pull Secret: the delivery namespace of the credential it names
 * (where the credentials target puts the Secret or ExternalSecret), or null when there is no pull
 * secret or the credential leaves the namespace to whoever applies it.
 */
export function pullSecretNamespace(policy: PolicyNode, proxy: ProxyCacheNode): string | null {
  if (proxy.pullSecret === null) return null;
  return policy.credentials.find((credential) => credential.name === proxy.pullSecret)?.delivery.namespace ?? null;
}
