import { kymaNamespace } from "../../ir/build-credential.js";
import { DraftCall, type DraftValue, variableFor } from "../../render/policy-draft.js";
import { type KubernetesObject, liveObjects, readSavedManifests, whereIs } from "../kubernetes-state.js";
import { savedStateFailure, type StateFileProblem } from "../saved-state.js";
import type { ImportedState, TargetImport } from "../target-state.js";
import { dockerConfigJsonType, registryCredLabel } from "./manifests.js";


/** The registry an ExternalSecret's `.dockerconfigjson` template logs in to: the one key of its `auths`. */
function templateServer(template: unknown): string | undefined {
  if (typeof template !== "string") return undefined;
  const key = /"auths"\s*:\s*\{\s*("(?:[^"\\]|\\.)*")\s*:/.exec(template)?.[1];
  return key === undefined ? undefined : (JSON.parse(key) as string);
}

interface ExternalSecretSpec {
  readonly refreshInterval?: string;
  readonly secretStoreRef?: { readonly kind?: string; readonly name?: string };
  readonly target?: { readonly name?: string; readonly template?: { readonly data?: Record<string, unknown>; readonly metadata?: { readonly labels?: Record<string, string> } } };
  readonly data?: readonly { readonly secretKey?: string; readonly remoteRef?: { readonly key?: string; readonly property?: string } }[];
}

/**
 * `regfence import credentials`: each ExternalSecret that makes a `.dockerconfigjson` Secret as a
 * `credential(…, { delivery: externalSecret(…) })`, its registry read from the template (not a
 * secret). A plain pull Secret holds its registry inside its data, which import never reads: it is
 * named with the declaration to write, variables included, and not imported.
 */
export const importCredentials: TargetImport = {
  help: `  credentials/*.yaml, *.yml, *.json
                       the ExternalSecrets and pull Secrets (kubectl get … -o yaml; a Secret's
                       data is dropped unread); live: kubectl`,
  async read(source): Promise<ImportedState> {
    const problems: StateFileProblem[] = [];
    const untranslated: StateFileProblem[] = [];
    const shown = source.kind === "live" ? "kubectl get externalsecrets,secrets" : source.shown;
    let objects: KubernetesObject[];
    try {
      objects = source.kind === "live" ? await liveObjects(["externalsecrets.external-secrets.io", "secrets"], source.environment) : await readSavedManifests(source.dir, source.shown);
    } catch (error) {
      return { places: [], fields: {}, untranslated, problems, failures: [`credentials: ${savedStateFailure(error, problems).message}`], variables: [] };
    }
    const credentials: DraftCall[] = [];
    const say = (object: KubernetesObject, path: readonly (string | number)[], message: string) => untranslated.push({ ...whereIs(object, path, shown), message: `${object.kind} ${object.metadata.name}: ${message}` });
    const external = objects.filter((object) => object.kind === "ExternalSecret");
    for (const object of external) {
      const spec = (object["spec"] ?? {}) as ExternalSecretSpec;
      const template = spec.target?.template;
      const server = templateServer(template?.data?.[".dockerconfigjson"]);
      if (server === undefined) {
        say(object, ["spec", "target", "template"], "its template makes no .dockerconfigjson with one registry under auths: not a pull credential import translates");
        continue;
      }
      const username = spec.data?.find((entry) => entry.secretKey === "username")?.remoteRef;
      const password = spec.data?.find((entry) => entry.secretKey === "password")?.remoteRef;
      if (username?.key === undefined || username.key !== password?.key) {
        say(object, ["spec", "data"], "its data does not fetch username and password from one remote key: not translated");
        continue;
      }
      const store = spec.secretStoreRef;
      if ((store?.kind !== "SecretStore" && store?.kind !== "ClusterSecretStore") || store.name === undefined) {
        say(object, ["spec", "secretStoreRef"], "its store is not a SecretStore or ClusterSecretStore by name: not translated");
        continue;
      }
      const selector = template?.metadata?.labels?.[registryCredLabel];
      const namespace = object.metadata.namespace;
      const remoteRef: Record<string, DraftValue> = { key: username.key };
      if (username.property !== undefined && username.property !== "username") remoteRef["usernameProperty"] = username.property;
      if (password?.property !== undefined && password.property !== "password") remoteRef["passwordProperty"] = password.property;
      const delivery: Record<string, DraftValue> = { store: { kind: store.kind, name: store.name }, remoteRef };
      if (namespace !== undefined && namespace !== "default" && !(selector !== undefined && namespace === kymaNamespace)) delivery["namespace"] = namespace;
      if (spec.refreshInterval !== undefined && spec.refreshInterval !== "1h") delivery["refreshInterval"] = spec.refreshInterval;
      const options: Record<string, DraftValue> = { server, delivery: new DraftCall("externalSecret", [delivery]) };
      if (selector !== undefined) options["kymaSelector"] = selector;
      credentials.push(new DraftCall("credential", [object.metadata.name, options]));
    }
    const made = new Set(external.map((object) => `${object.metadata.namespace ?? ""}/${object.metadata.name}`));
    for (const secret of objects.filter((object) => object.kind === "Secret" && object["type"] === dockerConfigJsonType)) {
      const owned = ((secret.metadata as { ownerReferences?: { kind?: string }[] }).ownerReferences ?? []).some((owner) => owner.kind === "ExternalSecret");
      if (owned || made.has(`${secret.metadata.namespace ?? ""}/${secret.metadata.name}`)) continue;
      const [username, password] = [variableFor(secret.metadata.name, "USERNAME"), variableFor(secret.metadata.name, "PASSWORD")];
      say(
        secret,
        ["metadata", "name"],
        `its registry is inside its data, which import never reads: declare credential("${secret.metadata.name}", { server: "<its registry>", username: fromEnv("${username}"), password: fromEnv("${password}") }) yourself`,
      );
    }
    const failures = credentials.length === 0 ? [`credentials: nothing under ${shown} that import translates (an ExternalSecret making a pull Secret)${untranslated.length > 0 ? "; see the warnings" : ""}`] : [];
    return { places: [], fields: { credentials }, untranslated, problems, failures, variables: [] };
  },
};
