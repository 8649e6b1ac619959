import type { NodeRuntime, Policy, Upstream } from "../dsl/index.js";
import type { Findings } from "../diagnostics/finding.js";
import type { Anchoring } from "./anchoring.js";
import { isRegistryHost, parseRegistryPrefix } from "./docker-reference.js";
import type { AdmissionNode, AllowedRegistryNode, ProxyCacheNode, UpstreamNode } from "./model.js";
import { buildSecretRef } from "./build-credential.js";
import { isDnsLabel } from "./names.js";

/** Docker Hub answers to several host names; an image naming any of them is a Docker Hub image. */
export const dockerHubHosts: readonly string[] = ["docker.io", "index.docker.io", "registry-1.docker.io"];

/** Whether an upstream is Docker Hub, under any of its names. */
export const isDockerHub = (upstream: { readonly registry: string }): boolean => dockerHubHosts.includes(upstream.registry);

/** The upstream of a proxy cache that an image's registry names (`undefined`: Docker Hub, implied), aliases included. */
export function upstreamNamed(proxy: ProxyCacheNode, domain: string | undefined): UpstreamNode | undefined {
  return proxy.upstreams.find((candidate) => (domain === undefined ? isDockerHub(candidate) : [candidate.registry, ...candidate.aliases].includes(domain)));
}

/**
 * Harbor project names as Harbor checks them (`src/pkg/project/manager.go`): lowercase letters and
 * digits in runs joined by single `.`, `_` or `-`, 1 to 255 characters.
 */
const harborProject = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export function buildProxyCache(policy: Policy, cwd: string, anchors: Anchoring, findings: Findings): ProxyCacheNode | null {
  const value = policy.proxyCache;
  if (value === undefined) return null;
  if (!isRegistryHost(value.host)) {
    findings.error("RF2201", anchors.at(value, ["host"]), `"${value.host}" is not a registry host`, 'write a host name with an optional port, e.g. "harbor.myco.com"');
  }
  const upstreams: UpstreamNode[] = [];
  const seen = new Set<string>();
  const projects = new Map<string, string>();
  value.upstreams.forEach((upstream, index) => {
    const registry = typeof upstream === "string" ? upstream : upstream.registry;
    const project = typeof upstream === "string" ? registry : (upstream.project ?? registry);
    const at = anchors.at(value, typeof upstream === "string" ? ["upstreams", index] : ["upstreams", index, "registry"]);
    if (!isRegistryHost(registry)) {
      findings.error("RF2201", at, `"${registry}" is not a registry host`, 'write the upstream\'s host, e.g. "ghcr.io" or "docker.io"');
      return;
    }
    const family = dockerHubHosts.includes(registry) ? dockerHubHosts : [registry];
    if (family.some((host) => seen.has(host))) {
      findings.error("RF2104", at, `upstream "${registry}" is listed more than once`, dockerHubHosts.includes(registry) ? `${dockerHubHosts.join(", ")} are all Docker Hub` : undefined);
      return;
    }
    family.forEach((host) => seen.add(host));
    const projectSource = typeof upstream === "string" || upstream.project === undefined ? at : anchors.at(value, ["upstreams", index, "project"]);
    if (!harborProject.test(project) || project.length > 255) {
      findings.error("RF2105", projectSource, `"${project}" is not a valid Harbor project name`, "Harbor project names are lowercase letters and digits, in runs joined by one '.', '_' or '-'");
    }
    const other = projects.get(project);
    if (other !== undefined) {
      findings.error("RF2109", projectSource, `upstreams ${other} and ${registry} both map to Harbor project "${project}"`, "give each upstream a project of its own");
    }
    projects.set(project, registry);
    const written: Exclude<Upstream, string> = typeof upstream === "string" ? { registry } : upstream;
    const credentials =
      written.credentials === undefined
        ? null
        : {
            username: buildSecretRef(written.credentials.username, anchors.at(value, ["upstreams", index, "credentials", "username"]), cwd, anchors, findings),
            password: buildSecretRef(written.credentials.password, anchors.at(value, ["upstreams", index, "credentials", "password"]), cwd, anchors, findings),
          };
    upstreams.push({
      kind: "upstream",
      registry,
      aliases: family.filter((host) => host !== registry),
      project,
      provider: written.provider ?? null,
      url: written.url ?? null,
      credentials,
      projectSource,
      source: at,
    });
  });
  const pullSecret = value.pullSecret?.name ?? null;
  if (pullSecret !== null && !(policy.credentials ?? []).some((candidate) => candidate === value.pullSecret)) {
    findings.error(
      "RF2103",
      anchors.at(value, ["pullSecret"]),
      `the pull secret credential "${pullSecret}" is not one of the policy's credentials`,
      "add it to the policy's `credentials` so its Secret is emitted",
    );
  }
  const robot = value.robot === undefined ? null : { name: value.robot.name, credential: value.robot.credential.name, source: anchors.at(value, ["robot"]) };
  if (robot !== null && !(policy.credentials ?? []).some((candidate) => candidate === value.robot?.credential)) {
    findings.error("RF2103", anchors.at(value, ["robot", "credential"]), `the robot's credential "${robot.credential}" is not one of the policy's credentials`, "add it to the policy's `credentials`: the robot's secret feeds its Secret");
  }
  return {
    kind: "harbor-proxy-cache",
    host: value.host,
    upstreams: upstreams.sort((a, b) => (a.registry < b.registry ? -1 : 1)),
    dockerHubLibraryPrefix: value.dockerHubLibraryPrefix ?? false,
    pullSecret,
    api: value.api ?? `https://${value.host}`,
    harborVersion: value.harborVersion ?? "2.15.1",
    projects: { public: value.projects?.public ?? false, proxySpeedKb: value.projects?.proxySpeedKb ?? null, localOnNotFound: value.projects?.localOnNotFound ?? false },
    robot,
    nodeMirrors:
      value.nodeMirrors === undefined
        ? null
        : {
            runtimes: nodeRuntimes.filter((runtime) => (value.nodeMirrors?.runtimes ?? nodeRuntimes).includes(runtime)),
            strict: value.nodeMirrors.strict ?? false,
            caFile: value.nodeMirrors.caFile ?? null,
            endpoint: value.nodeMirrors.endpoint ?? `https://${value.host}`,
            source: anchors.at(value, ["nodeMirrors"]),
          },
    source: anchors.at(value),
  };
}

/** Every runtime regfence emits mirrors for, in the order their configs are listed. */
const nodeRuntimes: readonly NodeRuntime[] = ["containerd", "cri-o", "k3s", "talos"];

export function buildAdmission(policy: Policy, proxyCache: ProxyCacheNode | null, anchors: Anchoring, findings: Findings): AdmissionNode | null {
  const value = policy.admission;
  if (value === undefined) return null;
  const path = ["admission"];
  const allow: AllowedRegistryNode[] = [];
  const key = (entry: { host: string; pathPrefix: string | null }): string => `${entry.host}/${entry.pathPrefix ?? ""}`;
  if (proxyCache !== null) allow.push({ kind: "allowed-registry", host: proxyCache.host, pathPrefix: null, source: proxyCache.source });
  const written = new Set<string>();
  (value.allow ?? []).forEach((entry, index) => {
    const at = anchors.at(policy, [...path, "allow", index]);
    const parsed = parseRegistryPrefix(entry);
    if (!parsed.ok) {
      findings.error("RF2202", at, `"${entry}" is not a registry: ${parsed.error}`, 'write a host with an optional port and path, e.g. "registry.myco.com:5000/team"');
      return;
    }
    const node: AllowedRegistryNode = { kind: "allowed-registry", host: parsed.value.host, pathPrefix: parsed.value.path ?? null, source: at };
    // Naming the proxy cache is harmless (it is always allowed); naming anything twice is not.
    if (written.has(key(node))) findings.warning("RF2003", at, `"${entry}" is allowed twice`, "remove the repeated entry");
    written.add(key(node));
    if (!allow.some((existing) => key(existing) === key(node))) allow.push(node);
  });
  if (allow.length === 0) {
    findings.error(
      "RF2203",
      anchors.at(policy, path),
      "admission allows no registry, so every Pod would be denied",
      "declare a proxyCache or list the registries workloads may pull from in `allow`",
    );
  }
  const excludeNamespaces: string[] = [];
  (value.excludeNamespaces ?? []).forEach((namespace, index) => {
    if (!isDnsLabel(namespace)) {
      findings.error("RF2106", anchors.at(policy, [...path, "excludeNamespaces", index]), `"${namespace}" is not a valid namespace name`);
    } else if (!excludeNamespaces.includes(namespace)) {
      excludeNamespaces.push(namespace);
    }
  });
  return {
    kind: "admission",
    mode: value.mode ?? "Enforce",
    allow,
    excludeNamespaces: excludeNamespaces.sort(),
    failurePolicy: value.failurePolicy ?? "Fail",
    timeoutSeconds: value.timeoutSeconds ?? 10,
    source: anchors.at(policy, path),
  };
}
