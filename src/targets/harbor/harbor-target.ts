import type { Finding } from "../../diagnostics/finding.js";
import { Findings } from "../../diagnostics/finding.js";
import type { SourceAnchor } from "../../diagnostics/source-anchor.js";
import type { PolicyNode, ProgramNode, ProxyCacheNode, UpstreamNode } from "../../ir/model.js";
import { fieldAnchor } from "../../ir/source-anchor.js";
import type { Artifact } from "../../output/artifact.js";
import { httpsOrLoopbackProblem } from "../https-or-loopback.js";
import type { Emission, EmitContext, Target } from "../target.js";
import { applyHarborTarget } from "./apply-harbor.js";
import { importHarbor } from "./import-harbor.js";
import { harborState } from "./plan-harbor.js";
import { desiredState, endpointOf, provisioningCalls, proxyCaches, proxyFolder, unsupportedSettings, versionOf } from "./harbor-plan.js";
import { atLeast, parseHarborVersion, v } from "./harbor-version.js";
import { permittedForProxyCache } from "./providers.js";

/** Harbor's names for registry endpoints are at most 64 characters (`src/controller/registry`). */
const maxEndpointName = 64;
/** Robot names as Harbor checks them (`handler/robot.go` validateName). */
const robotName = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** Where a field of an upstream written as an object is (`provider`), else the upstream itself. */
function upstreamField(upstream: UpstreamNode, key: string): SourceAnchor {
  const path = upstream.source.path;
  return path.at(-1) === "registry" ? { ...upstream.source, path: [...path.slice(0, -1), key] } : upstream.source;
}

function validateProxy(policy: PolicyNode, proxy: ProxyCacheNode, findings: Findings): void {
  const parsed = parseHarborVersion(proxy.harborVersion);
  if (parsed === undefined) findings.error("RF8003", fieldAnchor(proxy, "harborVersion"), `"${proxy.harborVersion}" is not a Harbor version`, 'write major.minor or major.minor.patch, e.g. "2.15.1"');
  const version = versionOf(proxy);
  const problem = httpsOrLoopbackProblem(proxy.api);
  if (problem !== undefined) findings.error("RF8007", fieldAnchor(proxy, "api"), `the Harbor API ${problem}`, 'e.g. api: "https://harbor.myco.com"');
  for (const upstream of proxy.upstreams) {
    const endpoint = endpointOf(upstream, version);
    if (endpoint === undefined) {
      findings.error("RF8001", upstream.source, `regfence does not know which kind of registry ${upstream.registry} is, so it cannot make its Harbor registry endpoint`, 'name it: { registry: "…", provider: "docker-registry" } for any OCI registry');
      continue;
    }
    const permitted = permittedForProxyCache(endpoint.provider, version);
    if (!permitted.ok) {
      findings.error(
        "RF8002",
        upstream.provider === null ? upstream.source : upstreamField(upstream, "provider"),
        `Harbor ${proxy.harborVersion} does not let a ${endpoint.provider} registry back a proxy cache (Harbor ${permitted.range} does)`,
        endpoint.provider === "quay" ? 'Harbor 2.14 and later proxy Quay as provider "docker-registry"' : 'use provider "docker-registry", which any OCI registry speaks',
      );
    }
    if (upstream.registry.length > maxEndpointName) findings.error("RF8009", upstream.source, `Harbor names registry endpoints with at most ${maxEndpointName} characters; "${upstream.registry}" has ${upstream.registry.length}`);
    if (upstream.registry === "docker.io" && !proxy.dockerHubLibraryPrefix) {
      if (endpoint.provider !== "docker-hub") {
        findings.error("RF8004", upstreamField(upstream, "provider"), `Harbor adds Docker Hub's library/ only for a docker-hub endpoint, so "nginx" rewritten to ${proxy.host}/${upstream.project}/nginx would not be found`, 'use provider "docker-hub", or set dockerHubLibraryPrefix: true');
      } else if (!atLeast(version, v(2, 7))) {
        findings.error("RF8004", fieldAnchor(proxy, "harborVersion"), `Harbor ${proxy.harborVersion} does not add Docker Hub's library/ (2.7 and later do), so "nginx" rewritten to ${proxy.host}/${upstream.project}/nginx would not be found`, "set dockerHubLibraryPrefix: true");
      }
    }
    if (endpoint.provider === "docker-hub" && version.major === 2 && version.minor === 15 && version.patch === 0) {
      findings.warning("RF8006", fieldAnchor(proxy, "harborVersion"), "Harbor 2.15.0 fails Docker Hub proxy projects (goharbor/harbor#23025: no User-Agent, Docker Hub answers 403)", "upgrade Harbor to 2.15.1 or later");
    }
  }
  for (const { field, setting, since } of unsupportedSettings(proxy, version)) {
    findings.error("RF8005", fieldAnchor(proxy, "projects", field), `Harbor ${proxy.harborVersion} has no ${setting} (${since} and later have)`, "remove it, or provision a newer Harbor");
  }
  if (proxy.robot !== null) {
    if (!robotName.test(proxy.robot.name)) {
      findings.error("RF8008", fieldAnchor(proxy, "robot", "name"), `"${proxy.robot.name}" is not a robot name Harbor accepts`, "lowercase letters and digits, in runs joined by one '.', '_' or '-'");
    }
    const credential = policy.credentials.find((candidate) => candidate.name === proxy.robot?.credential);
    if (credential !== undefined && credential.server !== proxy.host) {
      findings.warning("RF8010", fieldAnchor(proxy, "robot", "credential"), `the robot's secret feeds credential "${credential.name}", which logs in to ${credential.server}, not to ${proxy.host}`, `set the credential's server to "${proxy.host}"`);
    }
    if (credential?.delivery.kind === "external-secret") {
      findings.warning(
        "RF8011",
        fieldAnchor(proxy, "robot", "credential"),
        `credential "${credential.name}" is delivered by an ExternalSecret, so \`regfence apply harbor\` cannot read the password it must give the robot as its secret`,
        "deliver it as a Kubernetes Secret read from fromEnv/fromFile, or create the robot yourself and store its secret in the external store",
      );
    }
  }
}

function validate(program: ProgramNode): readonly Finding[] {
  const findings = new Findings();
  for (const { policy, proxy } of proxyCaches(program)) validateProxy(policy, proxy, findings);
  return findings.all;
}

function emit(program: ProgramNode, context: EmitContext): Emission {
  const artifacts: Artifact[] = [];
  for (const { proxy } of proxyCaches(program)) {
    const state = desiredState(proxy);
    const directory = `harbor/${proxyFolder(proxy)}`;
    const plan = { harbor: proxy.api, writtenFor: proxy.harborVersion, calls: provisioningCalls(proxy, state) };
    const files: [string, unknown][] = [
      ["registries", state.registries],
      ["projects", state.projects],
      ...(state.robot === null ? [] : [["robot", state.robot] as [string, unknown]]),
      ["plan", plan],
    ];
    for (const [name, value] of files) {
      artifacts.push({ path: `${directory}/${name}.json`, content: context.render.render("harbor", `${name}.json`, { value }), format: "json", expected: value });
    }
  }
  return { artifacts, findings: [], notes: [] };
}

/**
 * Harbor itself: the registry endpoint and the proxy-cache project per upstream that the Kyverno
 * rewrite sends images to, and the pull robot, as reviewed desired state and the provisioning calls.
 */
export const harborTarget: Target<"harbor"> = {
  name: "harbor",
  outputRoots: () => ["harbor"],
  validate,
  emit,
  apply: applyHarborTarget,
  state: { ...harborState, import: importHarbor },
};
