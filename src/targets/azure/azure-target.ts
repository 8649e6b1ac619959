import type { Finding } from "../../diagnostics/finding.js";
import { assertNever } from "../../ir/assert-never.js";
import type { AzureRegistryNode, ProgramNode } from "../../ir/model.js";
import { banner } from "../../render/banner.js";
import { acrossPolicies, registriesOfKind } from "../program-queries.js";
import type { Emission, EmitContext, Target } from "../target.js";
import type { Artifact } from "../../output/artifact.js";
import { armApiVersion, armProperties, firewallState } from "./firewall-state.js";
import { importAzure } from "./import-azure.js";
import { azureState } from "./plan-azure.js";
import { validateAzureRegistries } from "./validate-azure.js";

const azureRegistries = registriesOfKind("azure-registry");

/** What the policy asks of the registry, for the script's header. */
function accessSummary(registry: AzureRegistryNode): string {
  switch (registry.publicAccess) {
    case "selected-networks":
      return "public access from selected networks only (default action Deny), through the IP rules below.";
    case "all-networks":
      return registry.rules.length === 0
        ? "public access from all networks; no network rule set (any SKU)."
        : "public access from all networks (default action Allow); the IP rules below are kept but unused.";
    case "disabled":
      return "public access disabled (default action Deny); the IP rules below are kept but unused.";
    default:
      return assertNever(registry.publicAccess);
  }
}

/** The script's header: what it changes, where, and how to run it. */
function scriptHeader(registry: AzureRegistryNode): string {
  const where = [`resource group ${registry.resourceGroup}`, ...(registry.subscription === null ? [] : [`subscription ${registry.subscription}`])];
  return [
    `Reconciles the firewall of Azure Container Registry ${registry.name}`,
    `(${where.join(", ")}) with its policy:`,
    `  ${accessSummary(registry)}`,
    "",
    `  Trusted Azure services ${registry.trustedServices ? "may" : "may not"} bypass the firewall.`,
    "",
    `Usage: ./${registry.name}.sh [--dry-run] [--json]`,
  ].join("\n");
}

function validate(program: ProgramNode): readonly Finding[] {
  return validateAzureRegistries(acrossPolicies(program, azureRegistries).map(({ node }) => node));
}

function emit(program: ProgramNode, context: EmitContext): Emission {
  const artifacts: Artifact[] = [];
  for (const { policy, node: registry } of acrossPolicies(program, azureRegistries)) {
    const state = firewallState(registry);
    const properties = armProperties(state);
    const rules = state.ruleSet.rules.map((rule) => ({ cidr: rule.block.cidr, note: `network "${rule.network}": ${rule.description}` }));
    const script = {
      banner: banner(policy.file),
      header: scriptHeader(registry),
      registry,
      state,
      premiumRequired: state.premiumRequired ? "true" : "false",
      defaultAction: state.ruleSet.defaultAction,
      bypass: state.ruleSet.bypass,
      rules,
      premiumBody: JSON.stringify({ properties: armProperties(state, true) }),
      accessBody: JSON.stringify({ properties: armProperties(state, false) }),
      apiVersion: armApiVersion,
    };
    artifacts.push({ path: `azure/${registry.name}.sh`, content: context.render.render("azure", "reconcile.sh", script), format: "shell", executable: true });
    artifacts.push({
      path: `azure/${registry.name}.arm-properties.json`,
      content: context.render.render("azure", "arm-properties.json", { registry, properties }),
      format: "json",
      expected: properties,
    });
  }
  return { artifacts, findings: [], notes: [] };
}

/**
 * Azure Container Registry firewalls: an idempotent `az` reconcile script per registry, and the
 * ARM/Bicep `properties` fragment (`publicNetworkAccess`, `networkRuleSet`) for registries
 * deployed as code.
 */
export const azureTarget: Target<"azure"> = {
  name: "azure",
  outputRoots: () => ["azure"],
  validate,
  emit,
  state: { ...azureState, import: importAzure },
};
