import type { Finding } from "../../diagnostics/finding.js";
import { Findings } from "../../diagnostics/finding.js";
import { assertNever } from "../../ir/assert-never.js";
import type { AzureRegistryNode } from "../../ir/model.js";
import { fieldAnchor } from "../../ir/source-anchor.js";
import { uniqueBlocks } from "../ip-rule-list.js";

/** The ACR quota: IP rules per registry (Premium SKU). */
export const maxIpRules = 100;

/** ACR's own naming rule; a registry named otherwise cannot exist, so its script could never run. */
const registryName = /^[A-Za-z0-9]{5,50}$/;

/** ARM's pattern for resource group names, `^[-\w\._\(\)]+$`, with .NET's Unicode `\w`. */
const resourceGroupCharacters = /^[\p{L}\p{Mn}\p{Nd}\p{Pc}().-]+$/u;
const maxResourceGroupLength = 90;

/** Why Azure would refuse the resource group name, or undefined. Lengths count UTF-16 units, as .NET does. */
export function resourceGroupProblem(name: string): string | undefined {
  if (name.length > maxResourceGroupLength) return `it is ${name.length} characters long; Azure allows at most ${maxResourceGroupLength}`;
  if (!resourceGroupCharacters.test(name)) return "Azure allows only letters, digits, '_', '-', '.', '(' and ')'";
  if (name.endsWith(".")) return "it ends with '.', which Azure does not allow";
  return undefined;
}

/** Control characters and line breaks: in no subscription id (a GUID) and no display name `az` can match. */
const unprintable = /[\p{Cc}\u2028\u2029]/u;

/**
 * The rules ACR itself would enforce (or silently ignore), checked at compile time so a policy
 * fails where it was written rather than halfway through a script run. Rules contained in
 * another are not checked here: the core already warns about them (RF2003/RF2004) within each
 * network and across the networks of one registry.
 */
export function validateAzureRegistries(registries: readonly AzureRegistryNode[]): readonly Finding[] {
  const findings = new Findings();
  const spellings = new Map<string, AzureRegistryNode>();
  for (const registry of registries) {
    if (!registryName.test(registry.name)) {
      findings.error(
        "RF4001",
        fieldAnchor(registry, "name"),
        `"${registry.name}" is not a valid Azure Container Registry name`,
        "use the registry's name as Azure knows it: 5 to 50 letters and digits",
      );
    }
    sameRegistry(registry, spellings, findings);
    locationProblems(registry, findings);
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
    const count = uniqueBlocks(registry.rules).length;
    if (count > maxIpRules) {
      findings.error(
        "RF4003",
        fieldAnchor(registry, "networks"),
        `"${registry.name}" would hold ${count} IP rules; Azure Container Registry allows at most ${maxIpRules}`,
        "merge adjacent ranges into wider blocks, or reference fewer networks",
      );
    }
    if (count > 0) ineffectiveRules(registry, count, findings);
  }
  return findings.all;
}

/**
 * ACR names are case-insensitive: `myReg1` and `myreg1` are one registry, and two scripts
 * reconciling it would undo each other. The same spelling twice is the core's RF2102.
 */
function sameRegistry(registry: AzureRegistryNode, spellings: Map<string, AzureRegistryNode>, findings: Findings): void {
  const key = registry.name.toLowerCase();
  const first = spellings.get(key);
  if (first === undefined) {
    spellings.set(key, registry);
    return;
  }
  if (first.name === registry.name) return;
  findings.error(
    "RF4008",
    fieldAnchor(registry, "name"),
    `"${registry.name}" and "${first.name}" (${first.source.file}) name the same Azure Container Registry: registry names are case-insensitive`,
    "declare the registry once, under one spelling; two reconcile scripts for one registry would undo each other's rules",
  );
}

/** The resource group and subscription, which `az` would only reject when the script runs. */
function locationProblems(registry: AzureRegistryNode, findings: Findings): void {
  // An empty value is the core's RF2107.
  const problem = registry.resourceGroup.trim() === "" ? undefined : resourceGroupProblem(registry.resourceGroup);
  if (problem !== undefined) {
    findings.error(
      "RF4006",
      fieldAnchor(registry, "resourceGroup"),
      `${JSON.stringify(registry.resourceGroup)} is not a valid Azure resource group name: ${problem}`,
      "use the resource group's name as Azure shows it: 1 to 90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.'",
    );
  }
  if (registry.subscription !== null && unprintable.test(registry.subscription)) {
    findings.error(
      "RF4007",
      fieldAnchor(registry, "subscription"),
      `the subscription of "${registry.name}" contains a control character or line break, which no Azure subscription id or name has`,
      "write the subscription id (a GUID such as 00000000-0000-0000-0000-000000000000) or its display name, on one line",
    );
  }
}

/** Rules the registry holds but never consults: the public endpoint is off, or open to all. */
function ineffectiveRules(registry: AzureRegistryNode, count: number, findings: Findings): void {
  const at = fieldAnchor(registry, "publicAccess");
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
