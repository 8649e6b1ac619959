import type { AdmissionNode, PolicyNode, ProxyCacheNode } from "../../ir/model.js";
import { allowed, celString, newContainerOrImage, oldPodPairs, onHost, podContainers, podImages, ranBefore, rewritten, validReference } from "./cel-expressions.js";
import { containerLists, type KubernetesDocument } from "./kubernetes-document.js";
import { allowlistMessage, invalidReferenceMessage, namespacesNotCopiedTo, policyLabels, policyObjectName, pullSecretCopyMetadata, rewriteDescription } from "./policy-text.js";
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

/** What a ValidatingPolicy does with a failed validation, per admission mode: Audit also warns the client. */
const validationActions: Readonly<Record<AdmissionNode["mode"], readonly ("Deny" | "Audit" | "Warn")[]>> = { Enforce: ["Deny"], Audit: ["Audit", "Warn"] };

/** CEL policies are `policies.kyverno.io/v1`, first served by Kyverno 1.17.0 (1.14–1.16 serve only v1alpha1/v1beta1). */
export const celMinimumKyverno = "1.17.0";

/**
 * The MutatingPolicy: an apply configuration setting each container's image (merged by name),
 * then, for a private proxy, a JSON patch adding the pull secret on CREATE. Mutations apply in
 * order, so the second sees rewritten images. The pull secret cannot be an apply configuration:
 * its element, `LocalObjectReference`, is an atomic struct, and the API server refuses any apply
 * configuration that sets one, which would fail the whole policy and with it the rewrite. The
 * JSON patch (as Kyverno's own `add-imagepullsecrets` samples do) adds nothing when the Pod
 * already names the Secret, so a re-invocation changes nothing.
 *
 * As the ClusterPolicy does, it rewrites only containers whose (name, image) pair is new (CREATE,
 * the ephemeral container `kubectl debug` adds, the image `kubectl set image` sets); a match
 * condition skips every other UPDATE before any CEL runs. See `rewriteClusterPolicy` for why
 * running Pods keep their images.
 */
export function rewriteMutatingPolicy(policy: PolicyNode, proxy: ProxyCacheNode, admission: AdmissionNode | null): KubernetesDocument {
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
    const secret = celString(proxy.pullSecret);
    const needed = `request.operation == 'CREATE' && ${podImages}.exists(i, ${onHost(proxy.host, "i")}) && !object.spec.?imagePullSecrets.orValue([]).exists(s, s.name == ${secret})`;
    const append = `JSONPatch{op: 'add', path: '/spec/imagePullSecrets/-', value: {'name': ${secret}}}`;
    const create = `JSONPatch{op: 'add', path: '/spec/imagePullSecrets', value: [{'name': ${secret}}]}`;
    mutations.push({ patchType: "JSONPatch", jsonPatch: { expression: `${needed} ? (has(object.spec.imagePullSecrets) ? [${append}] : [${create}]) : []` } });
  }
  return {
    apiVersion: "policies.kyverno.io/v1",
    kind: "MutatingPolicy",
    metadata: {
      name: policyObjectName(policy, "rewrite"),
      labels: policyLabels(policy),
      annotations: { "policies.kyverno.io/title": `Rewrite images to ${proxy.host}`, "policies.kyverno.io/minversion": celMinimumKyverno, "policies.kyverno.io/description": rewriteDescription(proxy) },
    },
    spec: {
      ...webhook(admission),
      evaluation: { admission: { enabled: true }, mutateExisting: { enabled: false } },
      reinvocationPolicy: "IfNeeded",
      ...podConstraints(admission),
      matchConditions: [{ name: "new-container-or-image", expression: newContainerOrImage }],
      mutations,
    },
  };
}

/**
 * The GeneratingPolicy copying the pull Secret from its namespace into every other namespace
 * (existing ones too) and keeping the copies in sync, as the ClusterPolicy type's generate rule
 * does. The source namespace and the excluded namespaces are skipped.
 */
export function pullSecretGeneratingPolicy(policy: PolicyNode, secret: string, namespace: string, admission: AdmissionNode | null): KubernetesDocument {
  const skipped = namespacesNotCopiedTo(namespace, admission);
  return {
    apiVersion: "policies.kyverno.io/v1",
    kind: "GeneratingPolicy",
    metadata: pullSecretCopyMetadata(policy, secret, namespace, celMinimumKyverno),
    spec: {
      evaluation: { generateExisting: { enabled: true }, synchronize: { enabled: true } },
      matchConstraints: { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["namespaces"] }] },
      matchConditions: [{ name: "not-source-or-excluded", expression: `!(object.metadata.name in [${skipped.map(celString).join(", ")}])` }],
      variables: [{ name: "source", expression: `resource.Get('v1', 'secrets', ${celString(namespace)}, ${celString(secret)})` }],
      generate: [{ expression: "generator.Apply(object.metadata.name, [variables.source])" }],
    },
  };
}

/**
 * The ValidatingPolicy: valid references first, then allowed prefixes, each a validation whose
 * message names the rule and whose message expression names the images that fail it. On UPDATE
 * a container the Pod already ran with the same image is not judged again, exactly as in
 * `allowlistClusterPolicy`; background scanning reports Pods that predate the policy.
 */
export function allowlistValidatingPolicy(policy: PolicyNode, admission: AdmissionNode, proxy: ProxyCacheNode | null): KubernetesDocument {
  const failing = (check: (image: string) => string) => `variables.containers.filter(c, !(${check("c.image")}) && !${ranBefore("c")})`;
  const validation = (name: string, message: string, check: (image: string) => string) => ({
    expression: `${failing(check)}.size() == 0`,
    message: `${name}: ${message}`,
    messageExpression: `${celString(`${name}: ${message}`)} + ' (image ' + ${failing(check)}.map(c, c.image).join(', ') + ')'`,
  });
  return {
    apiVersion: "policies.kyverno.io/v1",
    kind: "ValidatingPolicy",
    metadata: {
      name: policyObjectName(policy, "allowlist"),
      labels: policyLabels(policy),
      annotations: { "policies.kyverno.io/title": "Allowed image registries", "policies.kyverno.io/minversion": celMinimumKyverno, "policies.kyverno.io/description": allowlistMessage(admission, proxy) },
    },
    spec: {
      validationActions: [...validationActions[admission.mode]],
      ...webhook(admission),
      evaluation: { background: { enabled: true } },
      ...podConstraints(admission),
      variables: [
        { name: "containers", expression: podContainers },
        { name: "oldPairs", expression: oldPodPairs },
      ],
      validations: [
        validation(ruleNames.validReferences, invalidReferenceMessage, (image) => `(${validReference(image)})`),
        validation(ruleNames.allowedRegistries, allowlistMessage(admission, proxy), (image) => `(${allowed(admission, image)})`),
      ],
    },
  };
}
