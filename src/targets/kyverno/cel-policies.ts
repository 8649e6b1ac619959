import type { AdmissionNode, PolicyNode, ProxyCacheNode } from "../../ir/model.js";
import { allowed, celString, createdOrDebugged, oldPodImages, onHost, podImages, rewritten, validReference } from "./cel-expressions.js";
import { containerLists, type KubernetesDocument } from "./kubernetes-document.js";
import { allowlistMessage, invalidReferenceMessage, policyLabels, policyObjectName, rewriteDescription } from "./policy-text.js";
import { rewritePlan } from "./rewrite-plan.js";
import { ruleNames } from "./rule-names.js";

/**
 * Pods (and `kubectl debug`'s ephemeral-container updates) on CREATE and UPDATE, outside the
 * excluded namespaces. `autogen.podControllers.controllers: []` turns autogen off, as the
 * ClusterPolicies' annotation does: only Pods are rewritten and checked.
 */
function podConstraints(admission: AdmissionNode | null) {
  const excluded = admission?.excludeNamespaces ?? [];
  return {
    autogen: { podControllers: { controllers: [] } },
    matchConstraints: {
      resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods", "pods/ephemeralcontainers"] }],
      ...(excluded.length === 0 ? {} : { namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: excluded }] } }),
    },
  };
}

const webhook = (admission: AdmissionNode | null) => ({ failurePolicy: admission?.failurePolicy ?? "Fail", webhookConfiguration: { timeoutSeconds: admission?.timeoutSeconds ?? 10 } });

/** What a ValidatingPolicy does with a failed validation, per admission mode. */
const validationActions: Readonly<Record<AdmissionNode["mode"], "Deny" | "Audit">> = { Enforce: "Deny", Audit: "Audit" };

/**
 * The MutatingPolicy: an apply configuration setting each container's image (merged by name),
 * then, for a private proxy, one adding the pull secret on CREATE. Mutations apply in order, so
 * the second sees rewritten images. The pull secret is added only in `secretNamespace` when it is
 * known: without a GeneratingPolicy the Secret is not copied, and elsewhere it would be missing.
 *
 * As the ClusterPolicy does, it rewrites only new containers (CREATE, and the ephemeral container
 * `kubectl debug` adds); a match condition skips every other UPDATE before any CEL runs. See
 * `rewriteClusterPolicy` for why running Pods keep their images.
 */
export function rewriteMutatingPolicy(policy: PolicyNode, proxy: ProxyCacheNode, admission: AdmissionNode | null, secretNamespace: string | null): KubernetesDocument {
  const plan = rewritePlan(proxy);
  const mutations: unknown[] = [];
  if (plan.steps.length > 0) {
    const lists = containerLists.map((list) => {
      const mapped = `object.spec.${list}.map(c, Object.spec.${list}{name: c.name, image: ${rewritten(plan, proxy.host, list, "c")}})`;
      return `${list}: ${list === "containers" ? mapped : `has(object.spec.${list}) ? ${mapped} : []`}`;
    });
    mutations.push({ patchType: "ApplyConfiguration", applyConfiguration: { expression: `Object{spec: Object.spec{${lists.join(", ")}}}` } });
  }
  if (proxy.pullSecret !== null) {
    const inNamespace = secretNamespace === null ? "" : ` && request.namespace == ${celString(secretNamespace)}`;
    const needed = `request.operation == 'CREATE'${inNamespace} && ${podImages}.exists(i, ${onHost(proxy.host, "i")})`;
    mutations.push({
      patchType: "ApplyConfiguration",
      applyConfiguration: { expression: `Object{spec: Object.spec{imagePullSecrets: ${needed} ? [Object.spec.imagePullSecrets{name: ${celString(proxy.pullSecret)}}] : []}}` },
    });
  }
  return {
    apiVersion: "policies.kyverno.io/v1",
    kind: "MutatingPolicy",
    metadata: { name: policyObjectName(policy, "rewrite"), labels: policyLabels(policy), annotations: { "policies.kyverno.io/title": `Rewrite images to ${proxy.host}`, "policies.kyverno.io/description": rewriteDescription(proxy) } },
    spec: {
      ...webhook(admission),
      evaluation: { admission: { enabled: true }, mutateExisting: { enabled: false } },
      reinvocationPolicy: "IfNeeded",
      ...podConstraints(admission),
      matchConditions: [{ name: "created-or-debugged", expression: createdOrDebugged }],
      mutations,
    },
  };
}

/**
 * The ValidatingPolicy: valid references first, then allowed prefixes, each a validation whose
 * message names the rule. On UPDATE an image the Pod already ran is not judged again, exactly as
 * in `allowlistClusterPolicy`.
 */
export function allowlistValidatingPolicy(policy: PolicyNode, admission: AdmissionNode, proxy: ProxyCacheNode | null): KubernetesDocument {
  const passes = (check: string) => `variables.images.all(image, ${check} || image in variables.oldImages)`;
  return {
    apiVersion: "policies.kyverno.io/v1",
    kind: "ValidatingPolicy",
    metadata: { name: policyObjectName(policy, "allowlist"), labels: policyLabels(policy), annotations: { "policies.kyverno.io/title": "Allowed image registries", "policies.kyverno.io/description": allowlistMessage(admission, proxy) } },
    spec: {
      validationActions: [validationActions[admission.mode]],
      ...webhook(admission),
      evaluation: { background: { enabled: false } },
      ...podConstraints(admission),
      variables: [
        { name: "images", expression: podImages },
        { name: "oldImages", expression: oldPodImages },
      ],
      validations: [
        { expression: passes(`(${validReference("image")})`), message: `${ruleNames.validReferences}: ${invalidReferenceMessage}` },
        { expression: passes(`(${allowed(admission, "image")})`), message: `${ruleNames.allowedRegistries}: ${allowlistMessage(admission, proxy)}` },
      ],
    },
  };
}
