import path from "node:path";
import type { Credential, SecretSource } from "../dsl/index.js";
import type { Findings } from "../diagnostics/finding.js";
import type { Anchoring } from "./anchoring.js";
import { assertNever } from "./assert-never.js";
import { isRegistryHost } from "./docker-reference.js";
import type { SourceAnchor } from "../diagnostics/source-anchor.js";
import type { CredentialNode, SecretRefNode } from "./model.js";
import { isDnsLabel, isDnsSubdomain, isLabelValue } from "./names.js";

const environmentVariable = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Where Kyma lifecycle-manager reads its registry Secret (`api/shared/namespace.go`, DefaultControlPlaneNamespace). */
export const kymaNamespace = "kcp-system";

/** Where a secret comes from (`fromEnv`/`fromFile`), checked; `at` is where the policy names it. */
export function buildSecretRef(source: SecretSource, at: SourceAnchor, cwd: string, anchors: Anchoring, findings: Findings): SecretRefNode {
  switch (source.from) {
    case "env":
      if (!environmentVariable.test(source.variable)) findings.error("RF2301", at, `"${source.variable}" is not a valid environment variable name`);
      return { kind: "env", variable: source.variable, source: at };
    case "file":
      if (source.path.trim() === "") findings.error("RF2301", at, "the secret file path is empty");
      // Relative to the file that calls fromFile, so a shared credential means one file everywhere.
      return { kind: "file", path: path.resolve(cwd, path.dirname(anchors.at(source).file), source.path), source: at };
    default:
      return assertNever(source);
  }
}

/**
 * Builds a credential node. Only where secrets live is recorded; their values are read by the
 * credentials target, and only with `--secrets`.
 */
export function buildCredential(value: Credential, cwd: string, anchors: Anchoring, findings: Findings): CredentialNode {
  if (!isDnsSubdomain(value.name) || value.name.length > 63) {
    findings.error(
      "RF2101",
      anchors.at(value, ["name"]),
      `invalid credential name "${value.name}": it names a Kubernetes Secret and a file`,
      "use lowercase letters, digits and '-', at most 63 characters",
    );
  }
  if (!isRegistryHost(value.server)) {
    findings.error("RF2201", anchors.at(value, ["server"]), `"${value.server}" is not a registry host`, 'write the host the credential logs in to, e.g. "registry.myco.com"');
  }
  const kymaSelector = value.kymaSelector ?? null;
  if (kymaSelector !== null && !isLabelValue(kymaSelector)) {
    findings.error("RF2108", anchors.at(value, ["kymaSelector"]), `"${kymaSelector}" is not a valid Kubernetes label value`);
  }
  // Lifecycle-manager reads its registry Secret from kcp-system only (both eras), so a Kyma credential defaults there.
  const namespace = value.delivery?.namespace ?? (kymaSelector === null ? null : kymaNamespace);
  if (namespace !== null && !isDnsLabel(namespace)) {
    findings.error("RF2106", anchors.at(value, ["delivery", "namespace"]), `"${namespace}" is not a valid namespace name`);
  } else if (kymaSelector !== null && namespace !== kymaNamespace) {
    findings.warning(
      "RF7006",
      anchors.at(value, ["delivery", "namespace"]),
      `the Kyma credential "${value.name}" is delivered to namespace "${namespace ?? ""}", but lifecycle-manager reads its registry Secret only from ${kymaNamespace}`,
      `remove the namespace (Kyma credentials default to ${kymaNamespace}), or drop kymaSelector if this is a plain pull secret`,
    );
  }
  const secretRef = (key: "username" | "password", source: SecretSource): SecretRefNode => buildSecretRef(source, anchors.at(value, [key]), cwd, anchors, findings);
  const delivery = value.delivery;
  return {
    kind: "credential",
    name: value.name,
    server: value.server,
    delivery:
      delivery?.kind === "external-secret"
        ? {
            kind: "external-secret",
            namespace,
            store: { kind: delivery.store.kind, name: delivery.store.name },
            remoteKey: delivery.remoteRef.key,
            usernameProperty: delivery.remoteRef.usernameProperty ?? "username",
            passwordProperty: delivery.remoteRef.passwordProperty ?? "password",
            refreshInterval: delivery.refreshInterval ?? "1h",
            source: anchors.at(value, ["delivery"]),
          }
        : {
            kind: "kubernetes-secret",
            namespace,
            // The shape check guarantees both are present for Secret delivery.
            username: secretRef("username", value.username as SecretSource),
            password: secretRef("password", value.password as SecretSource),
            source: anchors.at(value, delivery === undefined ? [] : ["delivery"]),
          },
    kymaSelector,
    readOnly: value.readOnly ?? false,
    source: anchors.at(value),
  };
}
