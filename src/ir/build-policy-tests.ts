import type { Findings } from "../diagnostics/finding.js";
import type { Policy } from "../dsl/index.js";
import type { Anchoring } from "./anchoring.js";
import { parseIpBlock } from "./ip-block.js";
import type { ContainerHostNode, PolicyTestNode, RegistryNode } from "./model.js";

/** The endpoints of a registry an address expectation may name: `<ovh>/management`, `<ovh>/registry`, `<azure>`. */
export function registryEndpoints(registry: RegistryNode): string[] {
  return registry.kind === "ovh-registry" ? [`${registry.name}/management`, `${registry.name}/registry`] : [registry.name];
}

/**
 * A policy's `tests`, each anchored at its call: an expectation that checks nothing, an address
 * that is not one and an endpoint the policy does not have are reported where they are written.
 */
export function buildPolicyTests(value: Policy, registries: readonly RegistryNode[], hosts: readonly ContainerHostNode[], anchors: Anchoring, findings: Findings): PolicyTestNode[] {
  const known = [...registries.flatMap(registryEndpoints), ...hosts.map((host) => `${host.name}/whitelist`)];
  return (value.tests ?? []).map((test): PolicyTestNode => {
    const source = anchors.at(test);
    if (test.kind === "image-expectation") {
      if (test.rewrittenTo === undefined && test.admitted === undefined && test.nodesPullFrom === undefined) {
        findings.error("RF1202", source, `the expectation for ${test.image} checks nothing`, "say what it must become (rewrittenTo), whether it is admitted (admitted), or where nodes pull it from (nodesPullFrom)");
      }
      return { kind: "image-test", image: test.image, rewrittenTo: test.rewrittenTo ?? null, admitted: test.admitted ?? null, namespace: test.namespace ?? null, nodesPullFrom: test.nodesPullFrom ?? null, source };
    }
    const parsed = parseIpBlock(test.address);
    if (!parsed.ok) findings.error("RF2001", anchors.at(test, ["address"]), parsed.message);
    const expectations = (["reaches", "cannotReach"] as const).flatMap((field) =>
      (test[field] ?? []).map((endpoint, index) => {
        const at = anchors.at(test, [field, index]);
        if (!known.includes(endpoint)) {
          findings.error("RF2103", at, `"${endpoint}" is not an endpoint of policy "${value.name}"`, known.length === 0 ? "the policy declares no registry" : `its endpoints: ${known.join(", ")}`);
        }
        return { endpoint, reaches: field === "reaches", source: at };
      }),
    );
    if (expectations.length === 0) findings.error("RF1202", source, `the expectation for ${test.address} checks nothing`, "list the endpoints it reaches (reaches) or does not (cannotReach)");
    return { kind: "address-test", address: test.address, block: parsed.ok ? parsed.block : null, expectations, source };
  });
}
