import path from "node:path";
import type { Policy } from "../dsl/index.js";
import { compareText } from "../diagnostics/diagnostic.js";
import type { Finding } from "../diagnostics/finding.js";
import { Findings } from "../diagnostics/finding.js";
import type { Anchoring } from "./anchoring.js";
import { buildContainerHost } from "./build-container-host.js";
import { buildCredential } from "./build-credential.js";
import { NetworkTable } from "./build-networks.js";
import { buildPolicyTests } from "./build-policy-tests.js";
import { buildAdmission, buildProxyCache } from "./build-proxy-cache.js";
import { buildRegistry } from "./build-registries.js";
import { deepFreeze } from "./deep-freeze.js";
import type { PolicyNode, ProgramNode } from "./model.js";
import { isDnsLabel } from "./names.js";
import { fieldAnchor } from "./source-anchor.js";
import type { SourceAnchor } from "../diagnostics/source-anchor.js";

/** A policy value that passed the shape check, with what is needed to anchor its nodes. */
export interface LoadedPolicy {
  /** Relative to the working directory. */
  readonly file: string;
  readonly value: Policy;
  readonly anchors: Anchoring;
}

/**
 * Builds the frozen IR of all policies, checking everything that does not depend on a target:
 * addresses, names, references, registry hosts. Every problem is collected.
 */
export function buildProgram(
  loaded: readonly LoadedPolicy[],
  where: { readonly cwd: string; readonly projectRoot: string },
): { program: ProgramNode; findings: readonly Finding[] } {
  const findings = new Findings();
  // Emitted files name their policy relative to the project, so their bytes never depend on the
  // directory regfence was run from.
  const projectFile = (file: string): string => path.relative(where.projectRoot, path.resolve(where.cwd, file)).split(path.sep).join("/");
  const policies = loaded.map(({ file, value, anchors }) => buildPolicy(value, projectFile(file), where.cwd, anchors, findings));
  policies.sort((a, b) => compareText(a.name, b.name) || compareText(a.file, b.file));
  reportDuplicates(
    policies.map((policy) => ({ name: policy.name, what: "policy", source: fieldAnchor(policy, "name") })),
    findings,
  );
  reportDuplicates(
    policies.flatMap((policy) => [
      ...policy.registries.map((node) => ({ name: `${node.kind}/${node.name}`, what: node.kind.replace("-", " "), source: node.source })),
      ...policy.containerHosts.map((node) => ({ name: `vch/${node.name}`, what: "container host", source: node.source })),
      ...policy.credentials.map((node) => ({ name: `credential/${node.name}`, what: "credential", source: node.source })),
    ]),
    findings,
  );
  return { program: deepFreeze({ policies }), findings: findings.all };
}

function buildPolicy(value: Policy, file: string, cwd: string, anchors: Anchoring, findings: Findings): PolicyNode {
  if (!isDnsLabel(value.name)) {
    findings.error(
      "RF2101",
      anchors.at(value, ["name"]),
      `invalid policy name "${value.name}"`,
      "policy names become Kubernetes object names: lowercase letters, digits and '-', at most 63 characters",
    );
  }
  const networks = new NetworkTable(value, anchors, findings);
  const proxyCache = buildProxyCache(value, cwd, anchors, findings);
  const registries = (value.registries ?? []).map((registry) => buildRegistry(registry, networks, anchors, findings));
  const containerHosts = (value.containerHosts ?? []).map((host) => buildContainerHost(host, networks, anchors, findings));
  const byKindAndName = <T extends { kind: string; name: string }>(a: T, b: T): number => compareText(a.kind, b.kind) || compareText(a.name, b.name);
  return {
    kind: "policy",
    name: value.name,
    file,
    source: anchors.at(value),
    networks: networks.nodes,
    proxyCache,
    admission: buildAdmission(value, proxyCache, anchors, findings),
    registries: registries.sort(byKindAndName),
    containerHosts: containerHosts.sort(byKindAndName),
    credentials: (value.credentials ?? []).map((credential) => buildCredential(credential, cwd, anchors, findings)).sort(byKindAndName),
    tests: buildPolicyTests(value, registries, containerHosts, anchors, findings),
  };
}

/** Names that share an output file or object name: each repeat is reported where it is written. */
function reportDuplicates(entries: readonly { name: string; what: string; source: SourceAnchor }[], findings: Findings): void {
  const first = new Map<string, SourceAnchor>();
  for (const entry of entries) {
    const earlier = first.get(entry.name);
    if (earlier === undefined) {
      first.set(entry.name, entry.source);
      continue;
    }
    const shown = entry.name.slice(entry.name.indexOf("/") + 1);
    findings.error(
      "RF2102",
      entry.source,
      `${entry.what} "${shown}" is defined more than once`,
      `also defined at ${earlier.file}:${earlier.line}:${earlier.column}; names must be unique across all policies`,
    );
  }
}
