import { readdir } from "node:fs/promises";
import { z } from "zod";
import { DraftCall, type DraftValue, PlaceUse } from "../../render/policy-draft.js";
import type { ImportPlace } from "../import-networks.js";
import { parseState, savedStateFailure, type StateFileProblem } from "../saved-state.js";
import type { ImportedState, StateSource, TargetImport } from "../target-state.js";
import { az, azureShapes, type LiveRegistry, readLive, readSaved } from "./plan-azure.js";

/** The registries to import: the saved files' names, or every registry `az acr list` shows. */
async function registriesIn(source: StateSource): Promise<{ readonly name: string; readonly read: () => Promise<LiveRegistry>; readonly shown: string }[]> {
  if (source.kind === "saved") {
    const names = (await readdir(source.dir).catch(() => []))
      .filter((file) => file.endsWith(".json") && !file.endsWith(".network-rules.json"))
      .map((file) => file.slice(0, -".json".length))
      .sort();
    return names.map((name) => ({ name, read: () => readSaved(name, source), shown: `${source.shown}/${name}.json` }));
  }
  const listed = parseState(await az(["acr", "list"], source), "az acr list", z.array(azureShapes().azShow), "the registries az acr list prints");
  return listed.map((registry) => {
    const resourceGroup = registry.resourceGroup ?? /\/resourceGroups\/([^/]+)/i.exec(registry.id ?? "")?.[1] ?? "";
    return { name: registry.name, read: () => readLive({ name: registry.name, resourceGroup, subscription: subscriptionOf(registry.id) }, source), shown: `az acr show --name ${registry.name}` };
  });
}

const subscriptionOf = (id: string | undefined): string | null => /^\/subscriptions\/([^/]+)/i.exec(id ?? "")?.[1] ?? null;

/** What the policy says of a registry's public endpoint, from how Azure holds it. */
function publicAccessOf(live: LiveRegistry): "selected-networks" | "all-networks" | "disabled" {
  if (live.publicNetworkAccess === "Disabled") return "disabled";
  return live.sku === "Premium" && live.defaultAction !== "Allow" ? "selected-networks" : "all-networks";
}

/**
 * `regfence import azure`: each registry (saved `az acr show` output, or live through `az acr
 * list`) as an `azureRegistry(...)` call: its resource group and subscription from its resource
 * id, its public access, trusted services, and its IP rules as networks. Virtual network rules,
 * which a policy does not express, are left out and named.
 */
export const importAzure: TargetImport = {
  help: `  azure/<registry>.json, azure/<registry>.network-rules.json (optional)
                       az acr show --name <registry> -o json (and az acr network-rule list);
                       live: every registry az acr list shows`,
  async read(source): Promise<ImportedState> {
    const problems: StateFileProblem[] = [];
    const untranslated: StateFileProblem[] = [];
    const failures: string[] = [];
    const places: ImportPlace[] = [];
    const registries: DraftCall[] = [];
    let found: Awaited<ReturnType<typeof registriesIn>>;
    try {
      found = await registriesIn(source);
    } catch (error) {
      return { places, fields: {}, untranslated, problems, failures: [`azure: ${savedStateFailure(error, problems).message}`], variables: [] };
    }
    for (const { name, read, shown } of found) {
      try {
        const live = await read();
        if (live.resourceGroup === undefined) throw new Error(`${shown} does not say the registry's resource group (an ARM export does not): save az acr show --name ${name} -o json instead`);
        const subscription = subscriptionOf(live.id);
        const options: Record<string, DraftValue | undefined> = { resourceGroup: live.resourceGroup, ...(subscription === null ? {} : { subscription }), publicAccess: publicAccessOf(live) };
        const rules = live.ipRules.filter((value) => value !== "");
        if (rules.length > 0) {
          const id = `azure ${name}`;
          places.push({ id, owner: id, nameHint: `${name}-allowed`, rules: rules.map((cidr) => ({ cidr, description: "" })), fallbackDescription: `allowed by Azure Container Registry ${name}` });
          options["networks"] = new PlaceUse(id);
        }
        if (live.bypass === "None") options["trustedServices"] = false;
        for (const subnet of live.virtualNetworkRules.filter((value) => value !== "")) {
          untranslated.push({ file: shown, line: 0, column: 0, message: `virtual network rule ${subnet} of ${name} is left out: a policy does not express service-endpoint rules (plan warns of it, RF4009)` });
        }
        registries.push(new DraftCall("azureRegistry", [name, options]));
      } catch (error) {
        failures.push(`azure registry ${name}: ${savedStateFailure(error, problems).message}`);
      }
    }
    if (found.length === 0) failures.push(source.kind === "saved" ? `no registry under ${source.shown}: expected azure/<registry>.json (az acr show output)` : "az acr list shows no registry");
    return { places, fields: { registries }, untranslated, problems, failures, variables: [] };
  },
};
