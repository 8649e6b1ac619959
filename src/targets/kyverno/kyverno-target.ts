import type { Finding } from "../../diagnostics/finding.js";
import { Findings } from "../../diagnostics/finding.js";
import { isRegistryHost, parseRegistryPrefix } from "../../ir/docker-reference.js";
import type { KyvernoPolicyType } from "../../dsl/index.js";
import type { AdmissionNode, PolicyNode, ProgramNode, ProxyCacheNode } from "../../ir/model.js";
import { banner } from "../../render/banner.js";
import type { Artifact, Emission, EmitContext, Target } from "../target.js";
import { allowlistValidatingPolicy, rewriteMutatingPolicy } from "./cel-policies.js";
import { allowlistClusterPolicy, rewriteClusterPolicy } from "./cluster-policies.js";
import type { KubernetesDocument } from "./kubernetes-document.js";
import { policyObjectName } from "./policy-text.js";

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
  for (const role of ["rewrite", "allowlist"] as const) {
    const name = policyObjectName(policy, role);
    if (name.length > maxPolicyName) {
      findings.error("RF3005", policy.source, `the Kyverno policy name "${name}" is longer than ${maxPolicyName} characters`, "shorten the policy name");
    }
  }
  if (proxy !== null) {
    if (isRegistryHost(proxy.host) && (!readAsRegistry(proxy.host) || proxy.host === "localhost")) {
      findings.error(
        "RF3001",
        proxy.source,
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
      findings.warning("RF3008", proxy.source, `the proxy cache ${proxy.host} has no upstreams, so no image is rewritten`, 'list the registries it proxies, e.g. upstreams: ["docker.io"]');
    }
    if (proxy.pullSecret !== null) {
      const credential = policy.credentials.find((candidate) => candidate.name === proxy.pullSecret);
      if (credential !== undefined && credential.server !== proxy.host) {
        findings.warning("RF3006", proxy.source, `the pull secret "${credential.name}" logs in to ${credential.server}, not to the proxy cache ${proxy.host}`, `set the credential's server to "${proxy.host}"`);
      }
    }
    if (admission === null) {
      findings.info("RF3009", proxy.source, "the proxy cache has no admission rules: images from other registries are not restricted", "add `admission` to admit only the proxy cache and your own registries");
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
  return findings.all;
}

/** The documents of each policy type; a new type that lacks a builder fails to compile here. */
const documentBuilders: Readonly<
  Record<
    KyvernoPolicyType,
    {
      readonly rewrite: (policy: PolicyNode, proxy: ProxyCacheNode, admission: AdmissionNode | null) => KubernetesDocument;
      readonly allowlist: (policy: PolicyNode, admission: AdmissionNode, proxy: ProxyCacheNode | null) => KubernetesDocument;
    }
  >
> = {
  ClusterPolicy: { rewrite: rewriteClusterPolicy, allowlist: allowlistClusterPolicy },
  CEL: { rewrite: rewriteMutatingPolicy, allowlist: allowlistValidatingPolicy },
};

function emit(program: ProgramNode, context: EmitContext): Emission {
  const artifacts: Artifact[] = [];
  const policyType = context.options.kyverno.policyType;
  const render = (policy: PolicyNode, role: "rewrite" | "allowlist", document: KubernetesDocument): Artifact => ({
    path: `${kyvernoDirectory}/${policy.name}-${role}.yaml`,
    content: context.render.render("kyverno", `${role}.yaml`, { banner: banner(policy.file), document }),
    format: "yaml",
    expected: [document],
  });
  const build = documentBuilders[policyType];
  for (const policy of program.policies) {
    const { proxyCache: proxy, admission } = policy;
    if (proxy !== null) artifacts.push(render(policy, "rewrite", build.rewrite(policy, proxy, admission)));
    if (admission !== null) artifacts.push(render(policy, "allowlist", build.allowlist(policy, admission, proxy)));
  }
  return { artifacts, findings: [], notes: [] };
}

/** Kyverno policies that rewrite images to a Harbor proxy cache and admit only allowed registries. */
export const kyvernoTarget: Target = {
  name: "kyverno",
  outputRoots: () => [kyvernoDirectory],
  validate,
  emit,
};
