import type { Finding } from "../../diagnostics/finding.js";
import { Findings } from "../../diagnostics/finding.js";
import { assertNever } from "../../ir/assert-never.js";
import type { CredentialNode, ExternalSecretDeliveryNode, PolicyNode, ProgramNode, SecretDeliveryNode, SecretRefNode } from "../../ir/model.js";
import { kymaNamespace } from "../../ir/build-credential.js";
import { isDnsSubdomain } from "../../ir/names.js";
import { anchorAt, fieldAnchor } from "../../ir/source-anchor.js";
import { banner } from "../../render/banner.js";
import { acrossPolicies } from "../program-queries.js";
import type { Emission, EmitContext, Target } from "../target.js";
import type { Artifact } from "../../output/artifact.js";
import { importCredentials } from "./import-credentials.js";
import { credentialsState } from "./plan-credentials.js";
import { dockerConfigJson } from "./docker-config.js";
import { isGoDuration } from "./go-duration.js";
import { dockerConfigJsonType, externalSecretManifest, kymaLabels, registryCredLabel, secretManifest } from "./manifests.js";
import { readSecretPair } from "./read-secret.js";

const secretsRoot = "kubernetes/secrets";
const externalSecretsRoot = "kubernetes/external-secrets";
const kymaRoot = "kyma";

function validate(program: ProgramNode): readonly Finding[] {
  const findings = new Findings();
  for (const { node: credential } of acrossPolicies(program, (each) => each.credentials)) {
    if (!credential.readOnly) {
      findings.warning(
        "RF7001",
        fieldAnchor(credential, "readOnly"),
        `credential "${credential.name}" is not declared read-only`,
        "least privilege: give the account pull permission only, then write `readOnly: true`",
      );
    }
    const delivery = credential.delivery;
    if (delivery.kind === "external-secret") validateExternalSecret(delivery, findings);
  }
  return findings.all;
}

function validateExternalSecret(delivery: ExternalSecretDeliveryNode, findings: Findings): void {
  const at = (...path: string[]) => anchorAt(delivery.source, ...path);
  if (!isDnsSubdomain(delivery.store.name)) {
    findings.error("RF7002", at("store", "name"), `"${delivery.store.name}" is not a valid ${delivery.store.kind} name`, "use lowercase letters, digits, '-' and '.'");
  }
  if (!isGoDuration(delivery.refreshInterval)) {
    findings.error("RF7003", at("refreshInterval"), `refreshInterval "${delivery.refreshInterval}" is not a duration`, 'write a Go duration such as "1h", "30m" or "1h30m" ("0" fetches once)');
  }
  if (delivery.remoteKey.trim() === "") {
    findings.error("RF7004", at("remoteRef", "key"), "the remote key is empty", "name the secret in the store that holds the username and password");
  }
  const { usernameProperty, passwordProperty } = delivery;
  if (usernameProperty === "" || passwordProperty === "") {
    findings.error("RF7005", at("remoteRef"), "a remote property is empty", "name the properties of the remote secret that hold the username and the password");
  } else if (usernameProperty === passwordProperty) {
    findings.error("RF7005", at("remoteRef"), `the username and the password both come from property "${usernameProperty}"`, "set usernameProperty and passwordProperty to different properties");
  }
}

async function emit(program: ProgramNode, context: EmitContext): Promise<Emission> {
  const findings = new Findings();
  const artifacts: Artifact[] = [];
  const unwritten: string[] = [];
  for (const { policy, node: credential } of acrossPolicies(program, (each) => each.credentials)) {
    const delivery = credential.delivery;
    switch (delivery.kind) {
      case "kubernetes-secret":
        if (!context.secrets) unwritten.push(credential.name);
        else artifacts.push(...(await secretArtifact(policy, credential, delivery, context, findings)));
        break;
      case "external-secret":
        artifacts.push(externalSecretArtifact(policy, credential, delivery, context));
        break;
      default:
        assertNever(delivery);
    }
    if (credential.kymaSelector !== null) artifacts.push(kymaGuide(policy, credential, credential.kymaSelector, context));
  }
  if (findings.all.some((finding) => finding.severity === "error")) return { artifacts: [], findings: findings.all, notes: [] };
  const secrets = artifacts.filter((artifact) => artifact.secret === true).length;
  const notes: string[] = [];
  if (secrets > 0) {
    artifacts.push({ path: `${secretsRoot}/.gitignore`, content: context.render.render("credentials", "gitignore", { notice: gitignoreNotice }), format: "text" });
    notes.push(`credentials: ${secretsRoot}/ holds registry passwords (mode 0600, git-ignored): apply it, never commit it`);
  }
  if (unwritten.length > 0) {
    notes.push(`credentials: ${plural(unwritten.length, "Secret")} not written (${unwritten.join(", ")}): compile with --secrets to write ${secretsRoot}/`);
  }
  return { artifacts, findings: findings.all, notes };
}

const gitignoreNotice = "Generated by regfence: this directory holds registry credentials (`regfence compile --secrets`). Nothing in it may be committed.";

/** Reads both values (every problem reported) and renders the Secret; no artifact when one is missing. */
async function secretArtifact(policy: PolicyNode, credential: CredentialNode, delivery: SecretDeliveryNode, context: EmitContext, findings: Findings): Promise<Artifact[]> {
  const pair = await readSecretPair(delivery, credential.name, findings);
  if (pair === undefined) return [];
  const { username, password } = pair;
  if (username.includes(":")) {
    findings.error(
      "RF7105",
      anchorAt(delivery.username.source, 0),
      `the username of credential "${credential.name}" contains ':'`,
      "registries split `auth` at the first ':', so the login would fail: check the username source",
    );
    return [];
  }
  const manifest = secretManifest(credential, dockerConfigJson(credential.server, username, password));
  const artifact: Artifact = {
    path: `${secretsRoot}/${credential.name}.yaml`,
    // Errors of a template that holds credentials name the template only (the parse-back check
    // does the same for secret artifacts).
    content: context.render.render("credentials", "secret.yaml", { banner: banner(policy.file), manifest }, { withholdDetails: true }),
    format: "yaml",
    expected: [manifest],
    secret: true,
  };
  return [artifact];
}

function externalSecretArtifact(policy: PolicyNode, credential: CredentialNode, delivery: ExternalSecretDeliveryNode, context: EmitContext): Artifact {
  const manifest = externalSecretManifest(credential, delivery);
  return {
    path: `${externalSecretsRoot}/${credential.name}.yaml`,
    content: context.render.render("credentials", "external-secret.yaml", { banner: banner(policy.file), manifest }),
    format: "yaml",
    expected: [manifest],
  };
}

/** Where a secret comes from, as the guide may say it: variable names, never file paths (machine-specific). */
function sourceOf(ref: SecretRefNode): { variable: string | null } {
  switch (ref.kind) {
    case "env":
      return { variable: ref.variable };
    case "file":
      return { variable: null };
    default:
      return assertNever(ref);
  }
}

/** How to wire the credential into Kyma lifecycle-manager, before (label selector) and since 1.3.11 (flag). */
function kymaGuide(policy: PolicyNode, credential: CredentialNode, kymaSelector: string, context: EmitContext): Artifact {
  const delivery = credential.delivery;
  const selector = { [registryCredLabel]: kymaSelector };
  const ociRegistryCred = { name: "oci-registry-cred", value: selector };
  const data = {
    banner: banner(policy.file),
    name: credential.name,
    server: credential.server,
    secret: {
      metadata: { name: credential.name, ...(delivery.namespace === null ? {} : { namespace: delivery.namespace }), labels: kymaLabels(kymaSelector) },
      type: dockerConfigJsonType,
    },
    secretFile: delivery.kind === "kubernetes-secret" ? `${secretsRoot}/${credential.name}.yaml` : null,
    externalSecretFile: delivery.kind === "external-secret" ? `${externalSecretsRoot}/${credential.name}.yaml` : null,
    username: delivery.kind === "kubernetes-secret" ? sourceOf(delivery.username) : { variable: null },
    password: delivery.kind === "kubernetes-secret" ? sourceOf(delivery.password) : { variable: null },
    inKcpSystem: delivery.namespace === kymaNamespace,
    klmArguments: { args: [`--oci-registry-cred-secret=${credential.name}`] },
    selectorFlag: `--registry-cred-selector=${registryCredLabel}=${kymaSelector}`,
    externalSecret: delivery.kind === "external-secret",
    descriptor: { descriptor: { component: { labels: [ociRegistryCred], resources: [{ labels: [ociRegistryCred] }] } } },
    readOnly: credential.readOnly,
  };
  return { path: `${kymaRoot}/${credential.name}.md`, content: context.render.render("credentials", "kyma.md", data), format: "markdown" };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/**
 * Registry pull credentials: `kubernetes.io/dockerconfigjson` Secrets byte-identical to kubectl's
 * (only with `--secrets`), ExternalSecrets that make the same Secret, and the Kyma lifecycle-manager
 * wiring. Secret values are read only while emitting with `--secrets` and never reach a message.
 */
export const credentialsTarget: Target<"credentials"> = {
  name: "credentials",
  outputRoots: ({ secrets }) => (secrets ? [secretsRoot, externalSecretsRoot, kymaRoot] : [externalSecretsRoot, kymaRoot]),
  validate,
  emit,
  state: { ...credentialsState, import: importCredentials },
};
