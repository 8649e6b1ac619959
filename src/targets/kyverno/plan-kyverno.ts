import { Findings } from "../../diagnostics/finding.js";
import type { PolicyNode, ProgramNode } from "../../ir/model.js";
import type { Artifact } from "../../output/artifact.js";
import { describeObject, type KubernetesObject, liveObjects, managedBy, readCluster, readSavedManifests } from "../kubernetes-state.js";
import type { StateFileProblem } from "../saved-state.js";
import type { ResolvedKyvernoOptions } from "./kyverno-options.js";
import { kyvernoTestDirectory } from "./kyverno-cli-test.js";
import type { DriftReport, TargetState } from "../target-state.js";

/** The resource of each kind the Kyverno target emits, as kubectl names it. */
const resources: Readonly<Record<string, string>> = {
  ClusterPolicy: "clusterpolicies.kyverno.io",
  MutatingPolicy: "mutatingpolicies.policies.kyverno.io",
  ValidatingPolicy: "validatingpolicies.policies.kyverno.io",
  GeneratingPolicy: "generatingpolicies.policies.kyverno.io",
  ClusterRole: "clusterroles.rbac.authorization.k8s.io",
};
const policyKinds = ["ClusterPolicy", "MutatingPolicy", "ValidatingPolicy", "GeneratingPolicy"];

/**
 * The objects the Kyverno target compiled for the cluster, in file order: each artifact's
 * `expected` documents, which its file holds (it is parsed back against them before anything is
 * written). The Kyverno CLI test's Pods are not for the cluster.
 */
function desiredObjects(artifacts: readonly Artifact[]): KubernetesObject[] {
  return artifacts
    .filter((artifact) => artifact.format === "yaml" && Array.isArray(artifact.expected) && !artifact.path.startsWith(`${kyvernoTestDirectory}/`))
    .flatMap((artifact) => artifact.expected as KubernetesObject[]);
}

/** Policies of the Kyverno policy library that do what regfence's do, by their library names. */
const libraryPolicies: Readonly<Record<string, string>> = {
  "replace-image-registry": "the Kyverno policy library's replace-image-registry",
  "restrict-image-registries": "the Kyverno policy library's restrict-image-registries",
};

/** Whether a policy rewrites or judges container images: rules (or CEL expressions) that speak of `image`. */
function imageRole(object: KubernetesObject): "mutates" | "validates" | undefined {
  const spec = JSON.stringify(object["spec"] ?? {});
  if (!/image/i.test(spec)) return undefined;
  if (object.kind === "MutatingPolicy" || /"mutate"\s*:/.test(spec)) return "mutates";
  if (object.kind === "ValidatingPolicy" || /"validate"\s*:/.test(spec)) return "validates";
  return undefined;
}

/** Kyverno policies regfence did not make that would fight its rewrite or allowlist, at the policy they fight. */
function otherOwners(program: ProgramNode, live: readonly KubernetesObject[], findings: Findings): void {
  const rewriting = program.policies.find((policy) => policy.proxyCache !== null);
  const judging = program.policies.find((policy: PolicyNode) => policy.admission !== null || policy.proxyCache !== null);
  for (const object of live.filter((candidate) => policyKinds.includes(candidate.kind) && candidate.metadata.labels?.[managedBy.key] !== managedBy.value)) {
    const role = imageRole(object);
    const fought = role === "mutates" ? rewriting : judging;
    if (role === undefined || fought === undefined) continue;
    const known = libraryPolicies[object.metadata.name];
    const named = `${describeObject(object)}${known === undefined ? "" : ` (${known})`}`;
    findings.warning(
      "RF3018",
      fought.source,
      role === "mutates"
        ? `${named}, not made by regfence, mutates container images: it and policy "${fought.name}"'s rewrite would both change the same images, in an order Kyverno does not promise`
        : `${named}, not made by regfence, validates container images: it may deny images policy "${fought.name}" rewrites to its proxy cache or admits`,
      "express it in the policy (regfence import kyverno translates the common shapes) and delete it from the cluster, or exclude the namespaces regfence covers",
    );
  }
}

/**
 * `regfence plan` for Kyverno: the policies (and the ClusterRoles Kyverno needs) as the cluster
 * holds them, read with kubectl or from saved manifests, compared field by field with what the
 * target compiles; policies regfence made that no policy emits any more are shown for deletion,
 * and Kyverno policies of other owners that rewrite or judge images are warned of.
 */
export const kyvernoState: TargetState<ResolvedKyvernoOptions> = {
  noun: "cluster",
  plural: "clusters",
  savedHelp: `  kyverno/*.yaml, *.yml, *.json
                       manifests of the cluster's Kyverno policies (and regfence's ClusterRoles),
                       e.g. kubectl get clusterpolicies,mutatingpolicies,validatingpolicies,
                       generatingpolicies -o yaml`,
  liveHelp: `  kubectl, with the kubeconfig and context it uses (KUBECONFIG), allowed to list the
                       Kyverno policy kinds and ClusterRoles`,
  names: (program: ProgramNode) => (program.policies.some((policy) => policy.proxyCache !== null || policy.admission !== null) ? ["cluster"] : []),
  async read({ program, artifacts, source }): Promise<DriftReport> {
    const findings = new Findings();
    const problems: StateFileProblem[] = [];
    const desired = desiredObjects(artifacts);
    const resourcesRead = [...new Set([...policyKinds, ...desired.map((object) => object.kind)])].map((kind) => resources[kind] ?? kind);
    const read = () => (source.kind === "live" ? liveObjects(resourcesRead, source.environment) : readSavedManifests(source.dir, source.shown));
    const items = await readCluster(source, desired, read, problems, (live) => otherOwners(program, live, findings));
    return { items, findings: findings.all, problems };
  },
};
