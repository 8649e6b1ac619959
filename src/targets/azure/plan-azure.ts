import path from "node:path";
import { z } from "zod";
import { Findings } from "../../diagnostics/finding.js";
import type { AzureRegistryNode, ProgramNode } from "../../ir/model.js";
import { acrossPolicies, registriesOfKind } from "../program-queries.js";
import { onFirstUse, parseState, readStateFile, requireStateFile, type StateFileProblem } from "../saved-state.js";
import { runTool } from "../run-tool.js";
import type { AppliedItem, AppliedPart } from "../target-apply.js";
import { type DriftReport, readEach, type StateSource, type TargetState } from "../target-state.js";
import { firewallState } from "./firewall-state.js";

/** ACR's limit of IP rules per registry (Premium), and how close to it `plan` starts to warn. */
const ruleQuota = 100;
const nearQuota = 90;

/** The shapes of what az prints and ARM exports hold, built on first use (plan and import only). */
export const azureShapes = onFirstUse(() => {
  /** An IP rule as `az acr show` prints it (`ipAddressOrRange`) or ARM holds it (`value`). */
  const ipRule = z.looseObject({ ipAddressOrRange: z.string().optional(), value: z.string().optional() }).refine((rule) => rule.ipAddressOrRange !== undefined || rule.value !== undefined, {
    message: 'an IP rule needs "ipAddressOrRange" (az) or "value" (ARM)',
  });
  const virtualNetworkRule = z.looseObject({ virtualNetworkResourceId: z.string().optional(), id: z.string().optional() });
  const ruleSet = z.looseObject({ defaultAction: z.string().nullish(), ipRules: z.array(ipRule).nullish(), virtualNetworkRules: z.array(virtualNetworkRule).nullish() });
  const registryFields = { sku: z.looseObject({ name: z.string() }).nullish(), tags: z.record(z.string(), z.string().nullable()).nullish() };
  const registryProperties = { publicNetworkAccess: z.string().nullish(), networkRuleBypassOptions: z.string().nullish(), networkRuleSet: ruleSet.nullish() };
  /** `az acr show -o json`: the properties flattened beside `name`. */
  const azShow = z.looseObject({ name: z.string(), id: z.string().optional(), resourceGroup: z.string().optional(), ...registryFields, ...registryProperties });
  /** An ARM template export (portal "Export template", `az group export`) holding the registry as a resource. */
  const armExport = z.looseObject({
    resources: z.array(z.looseObject({ type: z.string(), name: z.string(), ...registryFields, properties: z.looseObject(registryProperties).nullish() })),
    parameters: z.record(z.string(), z.looseObject({ defaultValue: z.unknown().optional() })).optional(),
  });
  /** `az acr network-rule list -o json`. */
  const networkRuleList = z.looseObject({ ipRules: z.array(ipRule).nullish(), virtualNetworkRules: z.array(virtualNetworkRule).nullish() });
  return { azShow, armExport, savedRegistry: z.union([armExport, azShow]), networkRuleList };
});
type Shapes = ReturnType<typeof azureShapes>;

/** What `plan` compares: the registry as the reconcile script's `az acr show` query reads it. */
export interface LiveRegistry {
  /** The resource id and group, as `az acr show` prints them (an ARM export has neither). */
  readonly id: string | undefined;
  readonly resourceGroup: string | undefined;
  readonly sku: string | undefined;
  readonly publicNetworkAccess: string | undefined;
  readonly defaultAction: string | undefined;
  readonly bypass: string | undefined;
  readonly ipRules: readonly string[];
  readonly virtualNetworkRules: readonly string[];
  readonly tags: Readonly<Record<string, string | null>>;
}

export const showWhat = "`az acr show --name <registry> -o json` or an ARM template export holding the registry";
export const listWhat = "`az acr network-rule list --name <registry> -o json`";

export type Shown = z.infer<Shapes["azShow"]>;

export function liveFrom(shown: Shown, rules: z.infer<Shapes["networkRuleList"]> | undefined): LiveRegistry {
  const set = shown.networkRuleSet ?? undefined;
  return {
    id: shown.id,
    resourceGroup: shown.resourceGroup ?? /\/resourceGroups\/([^/]+)/i.exec(shown.id ?? "")?.[1],
    sku: shown.sku?.name,
    publicNetworkAccess: shown.publicNetworkAccess ?? undefined,
    defaultAction: set?.defaultAction ?? undefined,
    bypass: shown.networkRuleBypassOptions ?? undefined,
    ipRules: (rules?.ipRules ?? set?.ipRules ?? []).map((rule) => rule.ipAddressOrRange ?? rule.value ?? ""),
    virtualNetworkRules: (rules?.virtualNetworkRules ?? set?.virtualNetworkRules ?? []).map((rule) => rule.virtualNetworkResourceId ?? rule.id ?? ""),
    tags: shown.tags ?? {},
  };
}

/** The registry's resource in an ARM export: its name may be `[parameters('registries_x_name')]`, resolved to the default. */
export function fromArmExport(exported: z.infer<Shapes["armExport"]>, name: string, shown: string): Shown {
  const resolve = (written: string): string => {
    const parameter = /^\[parameters\('([^']+)'\)\]$/.exec(written)?.[1];
    const value = parameter === undefined ? undefined : exported.parameters?.[parameter]?.defaultValue;
    return typeof value === "string" ? value : written;
  };
  const registries = exported.resources.filter((resource) => resource.type.toLowerCase() === "microsoft.containerregistry/registries");
  const resource = registries.find((candidate) => resolve(candidate.name).toLowerCase() === name.toLowerCase());
  if (resource === undefined) {
    const found = registries.map((candidate) => resolve(candidate.name));
    throw new Error(`${shown} is an ARM template without registry ${name} (${found.length === 0 ? "it holds no container registry" : `it holds ${found.join(", ")}`})`);
  }
  return { name, sku: resource.sku, tags: resource.tags, ...resource.properties };
}

/**
 * The changes the reconcile script would make, worded as it prints them (its `--dry-run`), from
 * the same reading: an address without a length counts as /32, and a rule held twice once too many.
 */
export function firewallChanges(registry: AzureRegistryNode, live: LiveRegistry): { readonly changes: readonly string[]; readonly blocked: string | undefined } {
  const state = firewallState(registry);
  const shown = (value: string | undefined) => value ?? "None";
  const changes: string[] = [];
  if (live.publicNetworkAccess !== state.publicNetworkAccess) changes.push(`set public network access ${shown(live.publicNetworkAccess)} -> ${state.publicNetworkAccess}`);
  if (live.sku !== "Premium") {
    const blocked = state.premiumRequired
      ? `${registry.name} is on the ${live.sku ?? "unknown"} SKU; IP network rules need the Premium SKU (upgrade it with: az acr update --name ${registry.name} --sku Premium)`
      : undefined;
    return { changes, blocked };
  }
  if (live.defaultAction !== state.ruleSet.defaultAction) changes.push(`set default action ${shown(live.defaultAction)} -> ${state.ruleSet.defaultAction}`);
  if (live.bypass !== state.ruleSet.bypass) changes.push(`set trusted Azure services bypass ${shown(live.bypass)} -> ${state.ruleSet.bypass}`);
  const desired = state.ruleSet.rules.map((rule) => rule.block.cidr);
  const seen = new Set<string>();
  for (const value of live.ipRules) {
    if (value === "") continue;
    const rule = value.includes("/") ? value : `${value}/32`;
    if (!desired.includes(rule)) changes.push(`remove ${value} (not in the policy)`);
    else if (seen.has(rule)) changes.push(`remove ${value} (duplicate of ${rule})`);
    else seen.add(rule);
  }
  for (const rule of desired) if (!seen.has(rule)) changes.push(`add ${rule}`);
  return { changes, blocked: undefined };
}

/** The owners other than regfence that tags name, e.g. `managed-by: terraform`. */
function otherOwner(tags: LiveRegistry["tags"]): string | undefined {
  const entry = Object.entries(tags).find(([key, value]) => /terraform|pulumi|bicep|crossplane/i.test(`${key}=${value ?? ""}`));
  return entry === undefined ? undefined : `${entry[0]}${entry[1] === null || entry[1] === "" ? "" : `=${entry[1]}`}`;
}

function compare(registry: AzureRegistryNode, live: LiveRegistry, where: string, findings: Findings): AppliedItem {
  const { changes, blocked } = firewallChanges(registry, live);
  const rules = firewallState(registry).ruleSet.rules.length;
  const action: AppliedPart["action"] = changes.length === 0 ? "in-sync" : "pending";
  const wanted = `${rules} IP ${rules === 1 ? "rule" : "rules"}`;
  const part: AppliedPart = {
    part: "firewall",
    action,
    outcome: changes.length === 0 ? `in sync (${wanted})` : `${changes.length} ${changes.length === 1 ? "change" : "changes"}: the script would make ${changes.length === 1 ? "it" : "them"} in one update (${wanted})`,
    lines: changes,
    json: { part: "firewall", action, changes },
  };
  for (const subnet of live.virtualNetworkRules.filter((id) => id !== "")) {
    findings.warning("RF4009", registry.source, `virtual network rule ${subnet} of ${registry.name} also admits traffic; the policy does not manage it`, `remove it with: az acr network-rule remove --name ${registry.name} --subnet ${subnet}`);
  }
  if (rules >= nearQuota) {
    findings.warning("RF4010", registry.source, `${registry.name} is to hold ${rules} of ACR's ${ruleQuota} IP rules per registry`, "merge adjacent networks into wider CIDRs before the quota stops a new one");
  }
  const owner = otherOwner(live.tags);
  if (owner !== undefined) {
    findings.warning("RF4011", registry.source, `${registry.name} is tagged ${owner}: another tool manages it and would put its own firewall back`, "manage the firewall in one place: drop it from the other tool (e.g. ignore_changes on network_rule_set) or from the policy");
  }
  return { name: registry.name, where, parts: [part], failure: blocked === undefined ? undefined : { message: blocked, hint: undefined }, json: { registry: registry.name, resourceGroup: registry.resourceGroup } };
}

/** Runs `az` with the arguments the reconcile script uses, for JSON. */
export function az(args: readonly string[], source: StateSource & { kind: "live" }): Promise<string> {
  return runTool("az", [...args, "--only-show-errors", "-o", "json"], source.environment, {
    missing: "the Azure CLI (az) is not on PATH; install it and run 'az login' first",
    shown: `az ${args.slice(0, 3).join(" ")}`,
  });
}

function registryArgs(registry: Pick<AzureRegistryNode, "name" | "resourceGroup" | "subscription">): string[] {
  return [`--name=${registry.name}`, `--resource-group=${registry.resourceGroup}`, ...(registry.subscription === null ? [] : [`--subscription=${registry.subscription}`])];
}

/** A registry read live as the reconcile script reads it: `az acr show`, and `network-rule list` on Premium. */
export async function readLive(registry: Pick<AzureRegistryNode, "name" | "resourceGroup" | "subscription">, source: StateSource & { kind: "live" }): Promise<LiveRegistry> {
  const shown = parseState(await az(["acr", "show", ...registryArgs(registry)], source), `az acr show --name ${registry.name}`, azureShapes().azShow, "a registry");
  const rules = shown.sku?.name === "Premium" ? parseState(await az(["acr", "network-rule", "list", ...registryArgs(registry)], source), `az acr network-rule list --name ${registry.name}`, azureShapes().networkRuleList, "network rules") : undefined;
  return liveFrom(shown, rules);
}

/** A registry's saved `az acr show` output (or ARM export) and, if saved, its `network-rule list`. */
export async function readSaved(name: string, source: StateSource & { kind: "saved" }): Promise<LiveRegistry> {
  const file = (suffix: string) => ({ file: path.join(source.dir, `${name}${suffix}`), shown: `${source.shown}/${name}${suffix}` });
  const show = file(".json");
  const saved = await requireStateFile(show.file, show.shown, azureShapes().savedRegistry, showWhat);
  const shown = "resources" in saved ? fromArmExport(saved as z.infer<Shapes["armExport"]>, name, show.shown) : (saved as Shown);
  const list = file(".network-rules.json");
  return liveFrom(shown, await readStateFile(list.file, list.shown, azureShapes().networkRuleList, listWhat));
}

/**
 * `regfence plan` for Azure: each registry read as its reconcile script reads it (`az acr show`
 * and `az acr network-rule list`), live through the Azure CLI or from their saved output (or an
 * ARM export), and the changes the script would make, worded as its `--dry-run` prints them.
 */
export const azureState: TargetState<undefined> = {
  noun: "registry",
  plural: "registries",
  savedHelp: `  azure/<registry>.json, azure/<registry>.network-rules.json (optional)
                       the output of az acr show --name <registry> -o json (or an ARM template
                       export holding the registry), and of az acr network-rule list`,
  liveHelp: `  the Azure CLI (az), logged in (az login) with read access to each registry`,
  names: (program: ProgramNode) => acrossPolicies(program, registriesOfKind("azure-registry")).map(({ node }) => node.name),
  async read({ program, source }): Promise<DriftReport> {
    const findings = new Findings();
    const problems: StateFileProblem[] = [];
    const where = (registry: AzureRegistryNode) => (source.kind === "live" ? `resource group ${registry.resourceGroup}, az` : `saved in ${source.shown}/${registry.name}.json`);
    const registries = acrossPolicies(program, registriesOfKind("azure-registry")).map(({ node }) => node);
    const items = await readEach(
      registries,
      (registry) => ({ name: registry.name, where: where(registry), json: { registry: registry.name, resourceGroup: registry.resourceGroup } }),
      async (registry) => compare(registry, source.kind === "live" ? await readLive(registry, source) : await readSaved(registry.name, source), where(registry), findings),
      problems,
    );
    return { items, findings: findings.all, problems };
  },
};
