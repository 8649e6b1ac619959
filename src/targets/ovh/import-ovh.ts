import { readdir } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { DraftCall, PlaceUse } from "../../render/policy-draft.js";
import type { ImportPlace } from "../import-networks.js";
import { requireStateFile, savedStateFailure, type StateFileProblem } from "../saved-state.js";
import type { ImportedState, TargetImport } from "../target-state.js";
import { savedList, what } from "./saved-lists.js";
import { restrictionLists } from "./restriction-payloads.js";

/** The answer of GET /cloud/project/{serviceName}/containerRegistry/{registryId}: where the ids come from. */
const details = z
  .looseObject({ id: z.string(), projectID: z.string().optional(), projectId: z.string().optional() })
  .refine((registry) => (registry.projectID ?? registry.projectId) !== undefined, { message: 'the registry needs its "projectID" (the Public Cloud project, serviceName)' });

const detailsWhat = "the answer of GET /cloud/project/{serviceName}/containerRegistry/{registryId} (the registry, with its id and projectID)";

/**
 * `regfence import ovh` from saved state: each folder `ovh/<registry>/` holding the registry
 * (`details.json`) and its two IP restriction lists, as `ovhRegistry(...)` calls whose lists
 * become networks (an empty list, which OVH reads as no restriction, becomes `"open"`).
 */
export const importOvh: TargetImport = {
  help: `  ovh/<registry>/details.json, management.json, registry.json
                       the answers of GET /cloud/project/{serviceName}/containerRegistry/
                       {registryId} and of its two ipRestrictions GETs`,
  async read(source): Promise<ImportedState> {
    if (source.kind === "live") throw new Error("import ovh reads saved state: save the three GET answers under DIR/ovh/<registry>/ and pass --from DIR");
    const problems: StateFileProblem[] = [];
    const failures: string[] = [];
    const places: ImportPlace[] = [];
    const registries: DraftCall[] = [];
    const entries = await readdir(source.dir, { withFileTypes: true }).catch(() => []);
    for (const name of entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort()) {
      const file = (base: string) => [path.join(source.dir, name, `${base}.json`), `${source.shown}/${name}/${base}.json`] as const;
      try {
        const registry = await requireStateFile(...file("details"), details, detailsWhat);
        const lists: Record<string, PlaceUse | "open"> = {};
        for (const list of restrictionLists) {
          const entriesRead = await requireStateFile(...file(list), savedList, what(list));
          if (entriesRead.length === 0) {
            lists[list] = "open";
            continue;
          }
          const id = `ovh ${name} ${list}`;
          places.push({ id, owner: `ovh ${name}`, nameHint: `${name}-${list}`, rules: entriesRead.map((entry) => ({ cidr: entry.ipBlock, description: entry.description ?? "" })), fallbackDescription: "" });
          lists[list] = new PlaceUse(id);
        }
        registries.push(new DraftCall("ovhRegistry", [name, { serviceName: registry.projectID ?? registry.projectId ?? "", registryId: registry.id, ...lists }]));
      } catch (error) {
        const failure = savedStateFailure(error, problems);
        failures.push(`ovh registry ${name}: ${failure.message}`);
      }
    }
    if (registries.length === 0 && failures.length === 0) failures.push(`no registry under ${source.shown}: expected folders ovh/<registry>/ with details.json, management.json and registry.json`);
    return { places, fields: { registries }, untranslated: [], problems, failures, variables: [] };
  },
};
