import type { AdmissionNode, PolicyNode, ProxyCacheNode } from "../../ir/model.js";
import { allowed, fromUpstream, onHost, rewritten, validReference } from "./jmespath-expressions.js";
import { containerLists, type KubernetesDocument } from "./kubernetes-document.js";
import { allowlistMessage, invalidReferenceMessage, policyLabels, policyObjectName, rewriteDescription } from "./policy-text.js";
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
 * preconditions make it a no-op on anything but a valid image of an approved upstream, so it is
 * idempotent on re-invocation and UPDATE), then, for a private proxy, a rule adding the pull secret.
 * Both are rules of one policy, because Kyverno orders rules within a policy but not policies.
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
 */
export function allowlistClusterPolicy(policy: PolicyNode, admission: AdmissionNode, proxy: ProxyCacheNode | null): KubernetesDocument {
  const image = "element.image";
  const rule = (name: string, message: string, denyWhen: string) => ({
    name,
    match: matchPods(["CREATE", "UPDATE"]),
    ...excludeNamespaces(admission),
    validate: {
      failureAction: admission.mode,
      message,
      foreach: [{ list: `request.object.spec.[${[...containerLists].reverse().join(", ")}][]`, deny: { conditions: { any: [condition(denyWhen, false, message)] } } }],
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
      background: false,
      webhookConfiguration: webhookConfiguration(admission),
      rules: [rule(ruleNames.validReferences, invalidReferenceMessage, validReference(image)), rule(ruleNames.allowedRegistries, allowlistMessage(admission, proxy), allowed(admission, image))],
    },
  };
}
