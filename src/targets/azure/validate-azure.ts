import type { Finding } from "../../diagnostics/finding.js";
import { Findings } from "../../diagnostics/finding.js";
import { assertNever } from "../../ir/assert-never.js";
import type { AzureRegistryNode } from "../../ir/model.js";
import { anchorAt } from "../../ir/source-anchor.js";
import { uniqueRules } from "./firewall-state.js";

/** The ACR quota: IP rules per registry (Premium SKU). */
export const maxIpRules = 100;

/** ACR's own naming rule; a registry named otherwise cannot exist, so its script could never run. */
const registryName = /^[A-Za-z0-9]{5,50}$/;

/**
 * The rules ACR itself would enforce (or silently ignore), checked at compile time so a policy
 * fails where it was written rather than halfway through a script run. Rules contained in
 * another are not checked here: the core already warns about them (RF2003/RF2004) within each
 * network and across the networks of one registry.
 */
export function validateAzureRegistries(registries: readonly AzureRegistryNode[]): readonly Finding[] {
  const findings = new Findings();
  for (const registry of registries) {
    if (!registryName.test(registry.name)) {
      findings.error(
        "RF4001",
        anchorAt(registry.source, 0),
        `"${registry.name}" is not a valid Azure Container Registry name`,
        "use the registry's name as Azure knows it: 5 to 50 letters and digits",
      );
    }
    for (const rule of registry.rules) {
      if (rule.block.family === "ipv6") {
        findings.error(
          "RF4002",
          rule.source,
          `${rule.block.cidr} is IPv6; Azure Container Registry IP rules accept IPv4 addresses and ranges only`,
          `keep IPv6 ranges in a network that "${registry.name}" does not reference`,
        );
      }
    }
    const count = uniqueRules(registry.rules).length;
    if (count > maxIpRules) {
      findings.error(
        "RF4003",
        anchorAt(registry.source, 1, "networks"),
        `"${registry.name}" would hold ${count} IP rules; Azure Container Registry allows at most ${maxIpRules}`,
        "merge adjacent ranges into wider blocks, or reference fewer networks",
      );
    }
    if (count > 0) ineffectiveRules(registry, count, findings);
  }
  return findings.all;
}

/** Rules the registry holds but never consults: the public endpoint is off, or open to all. */
function ineffectiveRules(registry: AzureRegistryNode, count: number, findings: Findings): void {
  const at = anchorAt(registry.source, 1, "publicAccess");
  const rules = count === 1 ? "IP rule has" : `${count} IP rules have`;
  switch (registry.publicAccess) {
    case "selected-networks":
      return;
    case "disabled":
      findings.warning(
        "RF4004",
        at,
        `public access to "${registry.name}" is disabled, so its ${rules} no effect`,
        'use publicAccess "selected-networks" to apply them, or remove the networks',
      );
      return;
    case "all-networks":
      findings.warning(
        "RF4005",
        at,
        `"${registry.name}" accepts all networks (default action Allow), so its ${rules} no effect`,
        'use publicAccess "selected-networks" to apply them, or remove the networks',
      );
      return;
    default:
      assertNever(registry.publicAccess);
  }
}
