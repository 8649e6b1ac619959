import type { AdmissionNode, PolicyNode, ProxyCacheNode } from "../../ir/model.js";
import { allowed, alreadyRunning, fromUpstream, isNewContainer, onHost, rewritten, validReference } from "./jmespath-expressions.js";
import { containerLists, type KubernetesDocument } from "./kubernetes-document.js";
import { allowlistMessage, invalidReferenceMessage, namespacesNotCopiedTo, policyLabels, policyObjectName, pullSecretCopyMetadata, rewriteDescription } from "./policy-text.js";
import { rewritePlan } from "./rewrite-plan.js";
import { ruleNames } from "./rule-names.js";

/**
 * Autogen off: Pods are the only objects rewritten and checked. A Deployment keeps the images its
 * author wrote (no GitOps drift, no second rewrite of its Pods), and since the allowlist does not
 * check Deployments either, one whose Pods would be rewritten is never denied.
 */
const podsOnly = { "pod-policies.kyverno.io/autogen-controllers": "none" };

const webhookConfiguration = (admission: AdmissionNode | null) => ({ failurePolicy: admission?.failurePolicy ?? "Fail", timeoutSeconds: admission?.timeoutSeconds ?? 10 });

function matchPods(operations: readonly string[]) {
  return { any: [{ resources: { kinds: ["Pod"], operations } }] };
}

function excludeNamespaces(admission: AdmissionNode | null): { exclude?: unknown } {
  return admission === null || admission.excludeNamespaces.length === 0 ? {} : { exclude: { any: [{ resources: { namespaces: admission.excludeNamespaces } }] } };
}

const condition = (key: string, value: unknown, message: string, operator = "Equals") => ({ key: `{{ ${key} }}`, operator, value, message });

/**
 * The mutating ClusterPolicy: one rule rewriting the three container lists (each a foreach whose
 * preconditions make it a no-op on anything but a new container running a valid image of an
 * approved upstream, so it is idempotent on re-invocation), then, for a private proxy, a rule
 * adding the pull secret. Both are rules of one policy, because Kyverno orders rules within a
 * policy but not policies.
 *
 * Only containers whose (name, image) pair is new are rewritten: on CREATE every container, on
 * `kubectl debug` (an UPDATE of the `ephemeralcontainers` subresource) the ephemeral container it
 * adds, on `kubectl set image` the container whose image changed. A running container keeps its
 * image: a changed image restarts the container, so rewriting Pods that predate the policy on
 * their next metadata update would restart them with another image; and the API server refuses
 * changes to existing ephemeral containers, so re-rewriting one would fail the next debug session.
 */
export function rewriteClusterPolicy(policy: PolicyNode, proxy: ProxyCacheNode, admission: AdmissionNode | null): KubernetesDocument {
  const plan = rewritePlan(proxy);
  const image = "element.image";
  const rules: unknown[] = [];
  if (plan.steps.length > 0) {
    rules.push({
      name: ruleNames.rewrite,
      match: matchPods(["CREATE", "UPDATE"]),
      ...excludeNamespaces(admission),
      mutate: {
        foreach: containerLists.map((list) => ({
          list: `request.object.spec.${list} || \`[]\``,
          preconditions: {
            all: [
              condition(isNewContainer(list, "element"), true, "the container or its image is new: running containers keep their images"),
              condition(validReference(image), true, "the image is a valid reference"),
              condition(onHost(proxy.host, image), false, "the image is not on the proxy cache yet"),
              condition(fromUpstream(plan, image), true, "the image is from an approved upstream"),
            ],
          },
          patchStrategicMerge: { spec: { [list]: [{ name: "{{ element.name }}", image: `{{ ${rewritten(plan, image)} }}` }] } },
        })),
      },
    });
  }
  if (proxy.pullSecret !== null) {
    const images = `request.object.spec.[${containerLists.join(", ")}][].image`;
    rules.push({
      name: ruleNames.pullSecret,
      // Only on CREATE: a Pod's imagePullSecrets cannot change afterwards.
      match: matchPods(["CREATE"]),
      ...excludeNamespaces(admission),
      preconditions: { all: [condition(`length(${images} | [?${onHost(proxy.host, "@")}])`, 0, "an image is pulled from the proxy cache", "GreaterThan")] },
      mutate: { patchStrategicMerge: { spec: { imagePullSecrets: [{ name: proxy.pullSecret }] } } },
    });
  }
  return {
    apiVersion: "kyverno.io/v1",
    kind: "ClusterPolicy",
    metadata: {
      name: policyObjectName(policy, "rewrite"),
      labels: policyLabels(policy),
      annotations: {
        ...podsOnly,
        "policies.kyverno.io/title": `Rewrite images to ${proxy.host}`,
        "policies.kyverno.io/subject": "Pod",
        "policies.kyverno.io/minversion": "1.13.0",
        "policies.kyverno.io/description": rewriteDescription(proxy),
        // Flux postBuild substitution would eat the `${1}` of the replacements.
        "kustomize.toolkit.fluxcd.io/substitute": "disabled",
      },
    },
    spec: { background: false, webhookConfiguration: webhookConfiguration(admission), rules },
  };
}

/**
 * The validating ClusterPolicy: every image in the three lists must be a valid reference, then
 * start with an allowed prefix. Validation runs after all mutation, so it sees rewritten images.
 *
 * On UPDATE a container the Pod already ran with the same image is not judged again, so Pods that
 * predate the policy (never rewritten, see {@link rewriteClusterPolicy}) can still get labels or
 * lose finalizers, while `kubectl set image` or `kubectl debug` bring in only allowed images; no
 * container can borrow another container's old image. This per-container rule
 * replaces Kyverno's coarser `allowExistingViolations` (default true since 1.13: it lets any UPDATE
 * through when the old Pod violated the rule too, new images included), which is therefore off,
 * and keeps both policy types alike (ValidatingPolicies have no such setting).
 *
 * Background scanning reports Pods that predate the policy (their images are judged as on
 * CREATE), and in Audit mode each violation is also a warning in the admission response.
 */
export function allowlistClusterPolicy(policy: PolicyNode, admission: AdmissionNode, proxy: ProxyCacheNode | null): KubernetesDocument {
  const image = "element.image";
  const rule = (name: string, message: string, passes: string) => ({
    name,
    match: matchPods(["CREATE", "UPDATE"]),
    ...excludeNamespaces(admission),
    validate: {
      failureAction: admission.mode,
      allowExistingViolations: false,
      message,
      foreach: [
        {
          list: `request.object.spec.[${[...containerLists].reverse().join(", ")}][]`,
          // Kyverno appends the failing condition's message to the rule's: it names the image, once.
          deny: { conditions: { any: [condition(`(${passes}) || ${alreadyRunning("element")}`, false, "image {{ element.image }}")] } },
        },
      ],
    },
  });
  return {
    apiVersion: "kyverno.io/v1",
    kind: "ClusterPolicy",
    metadata: {
      name: policyObjectName(policy, "allowlist"),
      labels: policyLabels(policy),
      annotations: {
        ...podsOnly,
        "policies.kyverno.io/title": "Allowed image registries",
        "policies.kyverno.io/subject": "Pod",
        "policies.kyverno.io/minversion": "1.13.0",
        "policies.kyverno.io/description": allowlistMessage(admission, proxy),
      },
    },
    spec: {
      background: true,
      ...(admission.mode === "Audit" ? { emitWarning: true } : {}),
      webhookConfiguration: webhookConfiguration(admission),
      rules: [rule(ruleNames.validReferences, invalidReferenceMessage, validReference(image)), rule(ruleNames.allowedRegistries, allowlistMessage(admission, proxy), allowed(admission, image))],
    },
  };
}

/**
 * The pull Secret lives in one namespace, but the rewrite adds it to Pods in every namespace:
 * Kyverno's sync-secrets pattern copies it into every other namespace (existing ones too) and
 * keeps the copies in sync with the source. The source namespace and the excluded namespaces,
 * whose Pods never get the pull secret, are left alone.
 */
export function pullSecretClusterPolicy(policy: PolicyNode, secret: string, namespace: string, admission: AdmissionNode | null): KubernetesDocument {
  const skipped = namespacesNotCopiedTo(namespace, admission);
  return {
    apiVersion: "kyverno.io/v1",
    kind: "ClusterPolicy",
    metadata: pullSecretCopyMetadata(policy, secret, namespace, "1.13.0"),
    spec: {
      rules: [
        {
          name: ruleNames.copyPullSecret,
          match: { any: [{ resources: { kinds: ["Namespace"] } }] },
          exclude: { any: [{ resources: { kinds: ["Namespace"], names: skipped } }] },
          generate: {
            generateExisting: true,
            synchronize: true,
            apiVersion: "v1",
            kind: "Secret",
            name: secret,
            namespace: "{{ request.object.metadata.name }}",
            clone: { namespace, name: secret },
          },
        },
      ],
    },
  };
}
