import type { CredentialNode, ProgramNode } from "../../ir/model.js";
import { type KubernetesObject, kubectl, liveObjects, readCluster, readSavedManifests } from "../kubernetes-state.js";
import { ToolError } from "../run-tool.js";
import { acrossPolicies } from "../program-queries.js";
import type { StateFileProblem } from "../saved-state.js";
import type { DriftReport, TargetState } from "../target-state.js";
import { externalSecretManifest, secretWithoutData } from "./manifests.js";

const credentialsOf = (program: ProgramNode): CredentialNode[] => acrossPolicies(program, (policy) => policy.credentials).map(({ node }) => node);

/** What the credentials must make in the cluster: each Secret (without data) and each ExternalSecret. */
function desiredObjects(credential: CredentialNode): KubernetesObject[] {
  const secret: KubernetesObject = secretWithoutData(credential);
  return credential.delivery.kind === "external-secret" ? [secret, externalSecretManifest(credential, credential.delivery)] : [secret];
}

/**
 * A Secret's name, namespace, type and labels, and nothing else: the jsonpath keeps its data on
 * the API server, so no value ever reaches regfence. Absent: undefined.
 */
async function liveSecret(credential: CredentialNode, environment: Readonly<Record<string, string | undefined>>): Promise<KubernetesObject | undefined> {
  const namespace = credential.delivery.namespace;
  const args = ["get", "secret", credential.name, ...(namespace === null ? [] : ["--namespace", namespace]), "-o", 'jsonpath={.metadata.namespace}{"\\t"}{.type}{"\\t"}{.metadata.labels}'];
  let printed: string;
  try {
    printed = await kubectl(args, environment);
  } catch (error) {
    if (error instanceof ToolError && /\(NotFound\)|not found/.test(error.said)) return undefined;
    throw error;
  }
  const [liveNamespace = "", type = "", labels = ""] = printed.split("\t");
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: credential.name, ...(liveNamespace === "" ? {} : { namespace: liveNamespace }), ...(labels.trim() === "" ? {} : { labels: JSON.parse(labels) as Record<string, string> }) },
    type,
  };
}

async function readLive(credentials: readonly CredentialNode[], environment: Readonly<Record<string, string | undefined>>): Promise<KubernetesObject[]> {
  const secrets = (await Promise.all(credentials.map((credential) => liveSecret(credential, environment)))).filter((secret) => secret !== undefined);
  const external = credentials.some((credential) => credential.delivery.kind === "external-secret") ? await liveObjects(["externalsecrets.external-secrets.io"], environment) : [];
  return [...secrets, ...external];
}

/**
 * `regfence plan` for credentials: each pull Secret's name, namespace, type and labels (never its
 * data: live, kubectl prints only those fields; saved, data is dropped as the file is read) and
 * each ExternalSecret, compared with what the policies make.
 */
export const credentialsState: TargetState<undefined> = {
  noun: "cluster",
  plural: "clusters",
  savedHelp: `  credentials/*.yaml, *.yml, *.json
                       manifests of the pull Secrets and ExternalSecrets (kubectl get … -o yaml);
                       a Secret's data is dropped unread, so it can be left in or cut out`,
  liveHelp: `  kubectl, allowed to get the Secrets (only their name, type and labels are asked
                       for) and to list ExternalSecrets`,
  names: (program: ProgramNode) => (credentialsOf(program).length > 0 ? ["cluster"] : []),
  async read({ program, source }): Promise<DriftReport> {
    const problems: StateFileProblem[] = [];
    const credentials = credentialsOf(program);
    const desired = credentials.flatMap(desiredObjects);
    const read = () => (source.kind === "live" ? readLive(credentials, source.environment) : readSavedManifests(source.dir, source.shown));
    const items = await readCluster(source, desired, read, problems);
    return { items, findings: [], problems };
  },
};
