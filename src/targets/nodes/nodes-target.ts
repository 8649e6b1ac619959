import type { Finding } from "../../diagnostics/finding.js";
import { Findings } from "../../diagnostics/finding.js";
import type { NodeMirrorsNode, PolicyNode, ProgramNode, ProxyCacheNode } from "../../ir/model.js";
import { fieldAnchor } from "../../ir/source-anchor.js";
import type { Artifact } from "../../output/artifact.js";
import { banner } from "../../render/banner.js";
import { proxyCaches } from "../harbor/harbor-plan.js";
import { httpsOrLoopbackProblem } from "../https-or-loopback.js";
import type { Emission, EmitContext, Target } from "../target.js";
import { defaultHostsToml, type HostsToml, hostsToml, k3sRegistries, mirrorPlan, registriesConf, talosPatch } from "./node-mirror-plan.js";

/** Where containerd's registry host directories live on a node (the path the config snippets set). */
export const containerdCertsDirectory = "/etc/containerd/certs.d";

/** Registry hosts a directory name and a TOML key hold as they are: lowercase DNS names, an optional port. */
const mirrorableHost = /^[a-z0-9]+(?:[.-][a-z0-9]+)*(?::\d{1,5})?$/;

/** The proxy caches with node mirrors, each with the policy file that declares it (for the banner). */
function withMirrors(program: ProgramNode): { readonly file: string; readonly policy: PolicyNode; readonly proxy: ProxyCacheNode; readonly mirrors: NodeMirrorsNode }[] {
  return proxyCaches(program).flatMap(({ policy, proxy }) => (proxy.nodeMirrors === null ? [] : [{ file: policy.file, policy, proxy, mirrors: proxy.nodeMirrors }]));
}

function validate(program: ProgramNode): readonly Finding[] {
  const findings = new Findings();
  const strict: ProxyCacheNode[] = [];
  for (const { policy, proxy, mirrors } of withMirrors(program)) {
    const others = [
      ...(policy.admission?.allow.filter((allowed) => allowed.host !== proxy.host).length ? ["the policy allows other registries"] : []),
      ...(policy.admission?.excludeNamespaces.length ? [`namespaces ${policy.admission.excludeNamespaces.join(", ")} are excluded from the rewrite`] : []),
    ];
    const problem = httpsOrLoopbackProblem(mirrors.endpoint);
    const path = problem === undefined ? new URL(mirrors.endpoint).pathname : "/";
    if (problem !== undefined || path !== "/") {
      findings.error("RF9002", fieldAnchor(proxy, "nodeMirrors", "endpoint"), `node mirror endpoint ${problem ?? `"${mirrors.endpoint}" has a path: runtimes add /v2/<project> to the registry's root`}`, 'e.g. endpoint: "https://harbor.myco.com"');
    }
    if (mirrors.caFile !== null && (!mirrors.caFile.startsWith("/") || /[\u0000-\u001f\u007f"\\]/.test(mirrors.caFile))) {
      findings.error("RF9001", fieldAnchor(proxy, "nodeMirrors", "caFile"), `caFile ${JSON.stringify(mirrors.caFile)} must be an absolute path on the node without quotes, backslashes or control characters`, 'e.g. caFile: "/etc/pki/harbor-ca.crt"');
    }
    for (const upstream of proxy.upstreams) {
      if (!mirrorableHost.test(upstream.registry)) {
        findings.error("RF9004", upstream.source, `"${upstream.registry}" cannot be a containerd host directory or a registries.conf prefix`, "name the registry by its lowercase host name (and port)");
      }
    }
    if (!proxy.projects.public) {
      findings.warning(
        "RF9005",
        fieldAnchor(proxy, "nodeMirrors"),
        `the proxy projects of ${proxy.host} are private: runtimes pull from a mirror anonymously, and send a Pod's Docker Hub pull secret only to Docker Hub`,
        "set projects: { public: true } and restrict who reaches the proxy by network, or configure node-level credentials for it",
      );
    }
    if (mirrors.runtimes.length === 0) {
      findings.error("RF9006", fieldAnchor(proxy, "nodeMirrors", "runtimes"), "nodeMirrors lists no runtime, so no node would use the proxy cache", 'name at least one: runtimes: ["containerd", "cri-o", "k3s", "talos"], or leave it out for all');
    }
    // Only containerd has a catch-all (`_default`), which one proxy cache can own.
    if (mirrors.strict && mirrors.runtimes.includes("containerd")) strict.push(proxy);
    if (mirrors.strict && mirrors.runtimes.includes("containerd") && others.length > 0) {
      findings.warning(
        "RF9007",
        fieldAnchor(proxy, "nodeMirrors", "strict"),
        `strict containerd mirrors send every registry that is not an upstream of ${proxy.host} to its root, where the pull fails, yet ${others.join(" and ")}`,
        "make those registries upstreams of the proxy cache, or drop strict (Kyverno still denies what is not allowed)",
      );
    }
  }
  for (const proxy of strict.slice(1)) {
    findings.error("RF9003", fieldAnchor(proxy, "nodeMirrors", "strict"), `strict containerd mirrors on ${proxy.host} and ${strict[0]?.host ?? ""}: containerd sends every other registry to one default mirror`, "make containerd mirrors strict on one proxy cache only");
  }
  return findings.all;
}

function emit(program: ProgramNode, context: EmitContext): Emission {
  const artifacts: Artifact[] = [];
  const notes: string[] = [];
  const toml = (path: string, template: string, data: object, expected: unknown) => {
    artifacts.push({ path, content: context.render.render("nodes", template, data), format: "toml", expected });
  };
  const plans = withMirrors(program).map(({ file, proxy, mirrors }) => ({ file, plan: mirrorPlan(proxy, mirrors) }));
  const containerd = plans.filter(({ plan }) => plan.mirrors.runtimes.includes("containerd"));
  for (const { file, plan } of containerd) {
    const files = [
      ...plan.routes.map((route) => ({ directory: route.directory, registry: route.registry, expected: hostsToml(plan, route) })),
      ...(plan.mirrors.strict ? [{ directory: "_default", registry: "every other registry", expected: defaultHostsToml(plan) }] : []),
    ];
    for (const { directory, registry, expected } of files) {
      const data = { banner: banner(file), registry, isDefault: directory === "_default", strict: plan.mirrors.strict, ...hostsTemplateData(expected) };
      toml(`nodes/containerd/certs.d/${directory}/hosts.toml`, "hosts.toml", data, expected);
    }
  }
  const first = containerd[0];
  if (first !== undefined) {
    for (const version of ["1.x", "2.x"] as const) {
      const expected =
        version === "1.x"
          ? { plugins: { "io.containerd.grpc.v1.cri": { registry: { config_path: containerdCertsDirectory } } } }
          : { plugins: { "io.containerd.cri.v1.images": { registry: { config_path: containerdCertsDirectory } }, "io.containerd.transfer.v1.local": { config_path: containerdCertsDirectory } } };
      toml(`nodes/containerd/containerd-${version}.toml`, `containerd-${version}.toml`, { banner: banner(first.file), configPath: containerdCertsDirectory }, expected);
    }
    notes.push(`containerd nodes: copy out/nodes/containerd/certs.d/ to ${containerdCertsDirectory}/ and merge containerd-1.x.toml or containerd-2.x.toml into /etc/containerd/config.toml`);
  }
  const crio = plans.filter(({ plan }) => plan.mirrors.runtimes.includes("cri-o"));
  const firstCrio = crio[0];
  if (firstCrio !== undefined) {
    const expected = registriesConf(crio.map(({ plan }) => plan));
    const registries = expected.registry.map(({ prefix, location, blocked, mirror: [mirror] }) => ({
      prefix,
      location,
      blocked: blocked === true,
      mirror: mirror.location,
      insecure: mirror.insecure === true,
    }));
    toml(
      "nodes/cri-o/registries.conf.d/50-regfence-mirrors.conf",
      "registries.conf",
      { banner: banner(firstCrio.file), strict: crio.some(({ plan }) => plan.mirrors.strict), searchDockerHub: "unqualified-search-registries" in expected, registries },
      expected,
    );
    notes.push("CRI-O nodes: copy out/nodes/cri-o/registries.conf.d/ to /etc/containers/registries.conf.d/ and send crio SIGHUP");
    for (const { plan } of crio) {
      if (plan.mirrors.caFile !== null) notes.push(`CRI-O nodes: containers-image reads a registry's CA from /etc/containers/certs.d/${new URL(plan.origin).host}/ca.crt: copy ${plan.mirrors.caFile} there`);
    }
  }
  const k3s = plans.filter(({ plan }) => plan.mirrors.runtimes.includes("k3s"));
  const firstK3s = k3s[0];
  if (firstK3s !== undefined) {
    const value = k3sRegistries(k3s.map(({ plan }) => plan));
    const data = { banner: banner(firstK3s.file), strict: k3s.some(({ plan }) => plan.mirrors.strict), value };
    artifacts.push({ path: "nodes/k3s/registries.yaml", content: context.render.render("nodes", "registries.yaml", data), format: "yaml", expected: [value] });
    notes.push("k3s/RKE2 nodes: copy out/nodes/k3s/registries.yaml to /etc/rancher/k3s/ or /etc/rancher/rke2/ on every node and restart");
  }
  const talos = plans.filter(({ plan }) => plan.mirrors.runtimes.includes("talos"));
  const firstTalos = talos[0];
  if (firstTalos !== undefined) {
    const value = talosPatch(talos.map(({ plan }) => plan));
    const withCa = talos.find(({ plan }) => plan.mirrors.caFile !== null)?.plan;
    const data = { banner: banner(firstTalos.file), caFile: withCa?.mirrors.caFile ?? null, caHost: withCa === undefined ? null : new URL(withCa.origin).host, value };
    artifacts.push({ path: "nodes/talos/talos-patch.yaml", content: context.render.render("nodes", "talos-patch.yaml", data), format: "yaml", expected: [value] });
    notes.push("Talos nodes: talosctl patch machineconfig --patch @out/nodes/talos/talos-patch.yaml");
  }
  return { artifacts, findings: [], notes };
}

/** A hosts.toml's values as the template takes them: every optional key present, tables as a list. */
function hostsTemplateData({ server, override_path, ca, host }: HostsToml): object {
  return {
    server,
    overridePath: override_path === true,
    ca: ca ?? null,
    hosts: Object.entries(host).map(([url, table]) => ({ url, capabilities: table.capabilities, overridePath: table.override_path === true, ca: table.ca ?? null })),
  };
}

/**
 * Node mirrors: containerd's `certs.d` host files, the containers-image (CRI-O) drop-in, k3s/RKE2's
 * `registries.yaml` and a Talos patch, each sending an upstream's pulls to the Harbor project the
 * Kyverno rewrite uses, strict or with fallback.
 */
export const nodesTarget: Target<"nodes"> = {
  name: "nodes",
  outputRoots: () => ["nodes"],
  validate,
  emit,
};
