import type { Finding } from "../../diagnostics/finding.js";
import { Findings } from "../../diagnostics/finding.js";
import { isRegistryHost, parseRegistryPrefix } from "../../ir/docker-reference.js";
import { type KyvernoPolicyType, type KyvernoTargetOptions, kyvernoOptions, type ResolvedKyvernoOptions } from "./kyverno-options.js";
import type { AdmissionNode, PolicyNode, ProgramNode, ProxyCacheNode } from "../../ir/model.js";
import { fieldAnchor } from "../../ir/source-anchor.js";
import { banner } from "../../render/banner.js";
import type { Emission, EmitContext, Target } from "../target.js";
import type { Artifact } from "../../output/artifact.js";
import { allowlistValidatingPolicy, pullSecretGeneratingPolicy, rewriteMutatingPolicy } from "./cel-policies.js";
import { allowlistClusterPolicy, pullSecretClusterPolicy, rewriteClusterPolicy } from "./cluster-policies.js";
import type { KubernetesDocument } from "./kubernetes-document.js";
import { importKyverno } from "./import-kyverno.js";
import { cliTestArtifacts, cliTestOf, type EmittedPolicy, kyvernoTestDirectory } from "./kyverno-cli-test.js";
import { kyvernoState } from "./plan-kyverno.js";
import { checkPolicyInteractions } from "./policy-interactions.js";
import { type PolicyRole, policyObjectName } from "./policy-text.js";
import { pullSecretNamespace } from "./pull-secret-namespace.js";
import { kyvernoRbacDirectory, secretCopyRoles } from "./secret-copy-rbac.js";

/** Where the policies go; one file per policy and role, the same names whichever policy type is chosen. */
export const kyvernoDirectory = "kubernetes/kyverno";

/** Kyverno keeps policy names to 63 characters. */
const maxPolicyName = 63;

/** A host Docker reads as a registry: `nginx/x` is a Docker Hub image, so a host must have a `.`, a `:port` or be named so. */
function readAsRegistry(host: string): boolean {
  return parseRegistryPrefix(host).ok;
}

function validatePolicy(policy: PolicyNode, findings: Findings): void {
  const { proxyCache: proxy, admission } = policy;
  if (proxy === null && admission === null) return;
  const roles: readonly PolicyRole[] = proxy === null || proxy.pullSecret === null ? ["rewrite", "allowlist"] : ["rewrite", "allowlist", "pull-secret"];
  for (const role of roles) {
    const name = policyObjectName(policy, role);
    if (name.length > maxPolicyName) {
      findings.error("RF3005", fieldAnchor(policy, "name"), `the Kyverno policy name "${name}" is longer than ${maxPolicyName} characters`, "shorten the policy name");
    }
  }
  if (proxy !== null) {
    if (isRegistryHost(proxy.host) && (!readAsRegistry(proxy.host) || proxy.host === "localhost")) {
      findings.error(
        "RF3001",
        fieldAnchor(proxy, "host"),
        `the proxy cache host "${proxy.host}" is not a registry host Docker would contact: "${proxy.host}/…" reads as ${proxy.host === "localhost" ? "each node's own localhost" : "a Docker Hub namespace"}`,
        'use the Harbor host name with a "." or a ":port", e.g. "harbor.myco.com"',
      );
    }
    for (const upstream of proxy.upstreams) {
      if (isRegistryHost(upstream.registry) && !readAsRegistry(upstream.registry)) {
        findings.error("RF3002", upstream.source, `"${upstream.registry}" reads as a Docker Hub namespace, so no image names it as its registry`, 'write the registry host with its domain, e.g. "registry.myco.com"');
      }
      if ([upstream.registry, ...upstream.aliases].includes(proxy.host)) {
        findings.error("RF3003", upstream.source, `the proxy cache host "${proxy.host}" is also an upstream: its images would be rewritten onto itself`, "remove it from upstreams");
      }
    }
    if (proxy.upstreams.length === 0) {
      const emitted = proxy.pullSecret === null ? "no rewrite policy is emitted" : "its rewrite policy only adds the pull secret";
      findings.warning("RF3008", fieldAnchor(proxy, "upstreams"), `the proxy cache ${proxy.host} has no upstreams, so no image is rewritten and ${emitted}`, 'list the registries it proxies, e.g. upstreams: ["docker.io"]');
    }
    if (proxy.pullSecret !== null) {
      const credential = policy.credentials.find((candidate) => candidate.name === proxy.pullSecret);
      if (credential !== undefined && credential.server !== proxy.host) {
        findings.warning("RF3006", fieldAnchor(proxy, "pullSecret"), `the pull secret "${credential.name}" logs in to ${credential.server}, not to the proxy cache ${proxy.host}`, `set the credential's server to "${proxy.host}"`);
      }
      if (credential !== undefined && credential.delivery.namespace === null) {
        findings.warning(
          "RF3014",
          fieldAnchor(proxy, "pullSecret"),
          `the pull secret "${credential.name}" has no namespace, so Kyverno cannot copy it into other namespaces: Pods in every namespace but the one it is applied to would name a Secret that does not exist there`,
          `set the credential's delivery namespace, e.g. externalSecret({ namespace: "registry-auth", … })`,
        );
      }
    }
    if (admission === null) {
      findings.info("RF3009", proxy.source, "the proxy cache has no admission rules: images from other registries are not restricted", "add `admission` to admit only the proxy cache and your own registries");
      // Excluded namespaces are part of admission, and regfence cannot know where Harbor runs: say so rather than guess.
      if (proxy.upstreams.length > 0) {
        findings.warning(
          "RF3013",
          proxy.source,
          "without admission no namespace is excluded from the rewrite: Pods in kube-system and in Harbor's own namespace (if Harbor runs in this cluster) would pull through the proxy cache, so they could not start while it is down",
          'declare admission with excludeNamespaces, e.g. admission: { mode: "Audit", allow: [...], excludeNamespaces: ["kube-system", "harbor"] }',
        );
      }
    }
  }
  if (admission !== null) {
    const upstreamHosts = new Set(proxy?.upstreams.flatMap((upstream) => [upstream.registry, ...upstream.aliases]) ?? []);
    for (const entry of admission.allow) {
      if (upstreamHosts.has(entry.host) && entry.host !== proxy?.host) {
        findings.warning("RF3007", entry.source, `allowing ${entry.host} has no effect: its images are rewritten to the proxy cache before admission checks them`, "remove the entry");
      }
    }
  }
}

function validate(program: ProgramNode): readonly Finding[] {
  const findings = new Findings();
  for (const policy of program.policies) validatePolicy(policy, findings);
  checkPolicyInteractions(program.policies, findings);
  return findings.all;
}

/** The documents of each policy type; a new type that lacks a builder fails to compile here. */
const documentBuilders: Readonly<
  Record<
    KyvernoPolicyType,
    {
      readonly rewrite: (policy: PolicyNode, proxy: ProxyCacheNode, admission: AdmissionNode | null) => KubernetesDocument;
      readonly allowlist: (policy: PolicyNode, admission: AdmissionNode, proxy: ProxyCacheNode | null) => KubernetesDocument;
      readonly copyPullSecret: (policy: PolicyNode, secret: string, namespace: string, admission: AdmissionNode | null) => KubernetesDocument;
    }
  >
> = {
  ClusterPolicy: { rewrite: rewriteClusterPolicy, allowlist: allowlistClusterPolicy, copyPullSecret: pullSecretClusterPolicy },
  CEL: { rewrite: rewriteMutatingPolicy, allowlist: allowlistValidatingPolicy, copyPullSecret: pullSecretGeneratingPolicy },
};

function emit(program: ProgramNode, context: EmitContext<ResolvedKyvernoOptions>): Emission {
  const artifacts: Artifact[] = [];
  const findings = new Findings();
  const notes: string[] = [];
  const policyType = context.options.policyType;
  const emitted: EmittedPolicy[] = [];
  const render = (policy: PolicyNode, role: PolicyRole, document: KubernetesDocument): Artifact => {
    const path = `${kyvernoDirectory}/${policy.name}-${role}.yaml`;
    emitted.push({ policy, role, path });
    return { path, content: context.render.render("kyverno", `${role}.yaml`, { banner: banner(policy.file), document }), format: "yaml", expected: [document] };
  };
  const build = documentBuilders[policyType];
  for (const policy of program.policies) {
    const { proxyCache: proxy, admission } = policy;
    if (proxy !== null) {
      const secretNamespace = pullSecretNamespace(policy, proxy);
      // With nothing to rewrite and no pull secret it would have no rule: `mutations: []` is invalid, `rules: []` does nothing.
      if (proxy.upstreams.length > 0 || proxy.pullSecret !== null) {
        artifacts.push(render(policy, "rewrite", build.rewrite(policy, proxy, admission)));
        if (policyType === "CEL" && proxy.upstreams.length > 0) {
          findings.warning(
            "RF3017",
            proxy.source,
            `Kyverno does not re-invoke MutatingPolicies: a container that a mutating webhook sorting after Kyverno's adds (e.g. vault-agent-injector) is not rewritten to ${proxy.host}, and the allowlist then denies its Pod`,
            'set kyverno.policyType to "ClusterPolicy" (its webhooks are re-invoked), or check that every injector sorts before kyverno-resource-mutating-webhook-cfg',
          );
        }
      }
      if (proxy.pullSecret !== null && secretNamespace !== null) {
        artifacts.push(render(policy, "pull-secret", build.copyPullSecret(policy, proxy.pullSecret, secretNamespace, admission)));
        const roles = secretCopyRoles(policy);
        artifacts.push({
          path: `${kyvernoRbacDirectory}/${policy.name}-pull-secret.yaml`,
          content: context.render.render("kyverno", "rbac.yaml", { banner: banner(policy.file), documents: roles }),
          format: "yaml",
          expected: roles,
        });
        notes.push(`apply ${kyvernoRbacDirectory}/ before ${kyvernoDirectory}/: Kyverno refuses the pull-secret copy policy of ${policy.name} until its controllers may manage Secrets`);
      }
    }
    if (admission !== null) artifacts.push(render(policy, "allowlist", build.allowlist(policy, admission, proxy)));
  }
  if (context.options.cliTest) artifacts.push(...cliTestArtifacts(cliTestOf(program, emitted), emitted, context.render));
  return { artifacts, findings: findings.all, notes };
}

/** Kyverno policies that rewrite images to a Harbor proxy cache and admit only allowed registries. */
export const kyvernoTarget: Target<"kyverno", ResolvedKyvernoOptions, KyvernoTargetOptions> = {
  name: "kyverno",
  options: kyvernoOptions,
  outputRoots: () => [kyvernoDirectory, kyvernoRbacDirectory, kyvernoTestDirectory],
  validate,
  emit,
  state: { ...kyvernoState, import: importKyverno },
};
