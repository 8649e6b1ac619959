import { readdir } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { DraftCall, PlaceUse } from "../../render/policy-draft.js";
import type { ImportPlace } from "../import-networks.js";
import { checkAnswer, onFirstUse, requireStateFile, savedStateFailure, type StateFileProblem } from "../saved-state.js";
import type { ImportedState, TargetImport } from "../target-state.js";
import { savedList, type SavedList, what } from "./saved-lists.js";
import type { OvhEndpoint } from "../../dsl/index.js";
import { OvhApiClient } from "./ovh-api-client.js";
import { credentialsFromEnvironment } from "./ovh-credentials.js";
import { ovhApiBases, parseEndpointSetting } from "./ovh-endpoint.js";
import { type RestrictionList, restrictionLists, restrictionPath } from "./restriction-payloads.js";

/** The answer of GET /cloud/project/{serviceName}/containerRegistry/{registryId}: where the ids come from. */
const details = onFirstUse(() =>
  z
    .looseObject({ id: z.string(), projectID: z.string().optional(), projectId: z.string().optional() })
    .refine((registry) => (registry.projectID ?? registry.projectId) !== undefined, { message: 'the registry needs its "projectID" (the Public Cloud project, serviceName)' }),
);

const detailsWhat = "the answer of GET /cloud/project/{serviceName}/containerRegistry/{registryId} (the registry, with its id and projectID)";

/** One registry's ids and its two lists as read (saved or live), made into an `ovhRegistry(...)` call. */
function registryCall(name: string, ids: { readonly serviceName: string; readonly registryId: string }, lists: Readonly<Record<RestrictionList, readonly { readonly ipBlock: string; readonly description?: string | null }[]>>, endpoint: OvhEndpoint | undefined, places: ImportPlace[]): DraftCall {
  const uses: Record<string, PlaceUse | "open"> = {};
  for (const list of restrictionLists) {
    if (lists[list].length === 0) {
      uses[list] = "open";
      continue;
    }
    const id = `ovh ${name} ${list}`;
    places.push({ id, owner: `ovh ${name}`, nameHint: `${name}-${list}`, rules: lists[list].map((entry) => ({ cidr: entry.ipBlock, description: entry.description ?? "" })), fallbackDescription: "" });
    uses[list] = new PlaceUse(id);
  }
  return new DraftCall("ovhRegistry", [name, { ...ids, ...(endpoint === undefined ? {} : { endpoint }), ...uses }]);
}

/** The registries of every Public Cloud project the credentials reach, read as `apply ovh` reads their lists. */
async function readLive(environment: Readonly<Record<string, string | undefined>>, places: ImportPlace[]): Promise<DraftCall[]> {
  const setting = parseEndpointSetting(environment["OVH_ENDPOINT"]);
  const endpoint = setting.kind === "name" ? setting.name : "ovh-eu";
  const client = new OvhApiClient(setting.kind === "url" ? setting.url : ovhApiBases[endpoint], credentialsFromEnvironment(environment));
  const get = async <T>(apiPath: string, shape: z.ZodType<T>, expected: string): Promise<T> => checkAnswer(await client.get(apiPath), shape, `GET ${apiPath}`, expected);
  const registries: DraftCall[] = [];
  for (const serviceName of await get("/cloud/project", z.array(z.string()), "the Public Cloud projects' ids")) {
    const listed = await get(`/cloud/project/${encodeURIComponent(serviceName)}/containerRegistry`, z.array(z.looseObject({ id: z.string(), name: z.string() })), "the project's registries");
    for (const registry of listed) {
      const ids = { serviceName, registryId: registry.id };
      const lists = { management: [], registry: [] } as Record<RestrictionList, SavedList>;
      for (const list of restrictionLists) lists[list] = await get(restrictionPath(ids, list), savedList(), what(list));
      registries.push(registryCall(registry.name, ids, lists, setting.kind === "name" && endpoint !== "ovh-eu" ? endpoint : undefined, places));
    }
  }
  return registries;
}

/**
 * `regfence import ovh`: each registry (saved: a folder `ovh/<registry>/` holding the registry,
 * `details.json`, and its two IP restriction lists; live: every registry of every Public Cloud
 * project the credentials reach) as an `ovhRegistry(...)` call whose lists become networks (an
 * empty list, which OVH reads as no restriction, becomes `"open"`).
 */
export const importOvh: TargetImport = {
  help: `  ovh/<registry>/details.json, management.json, registry.json
                       the answers of GET /cloud/project/{serviceName}/containerRegistry/
                       {registryId} and of its two ipRestrictions GETs; live: every registry of
                       every project the OVH_* credentials reach`,
  async read(source): Promise<ImportedState> {
    const problems: StateFileProblem[] = [];
    const failures: string[] = [];
    const places: ImportPlace[] = [];
    const registries: DraftCall[] = [];
    if (source.kind === "live") {
      try {
        registries.push(...(await readLive(source.environment, places)));
      } catch (error) {
        failures.push(`ovh: ${savedStateFailure(error, problems).message}`);
      }
      if (registries.length === 0 && failures.length === 0) failures.push("ovh: the credentials reach no Managed Private Registry");
      return { places, fields: { registries }, untranslated: [], problems, failures, variables: [] };
    }
    const entries = await readdir(source.dir, { withFileTypes: true }).catch(() => []);
    for (const name of entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort()) {
      const file = (base: string) => [path.join(source.dir, name, `${base}.json`), `${source.shown}/${name}/${base}.json`] as const;
      try {
        const registry = await requireStateFile(...file("details"), details(), detailsWhat);
        const lists = { management: await requireStateFile(...file("management"), savedList(), what("management")), registry: await requireStateFile(...file("registry"), savedList(), what("registry")) };
        registries.push(registryCall(name, { serviceName: registry.projectID ?? registry.projectId ?? "", registryId: registry.id }, lists, undefined, places));
      } catch (error) {
        failures.push(`ovh registry ${name}: ${savedStateFailure(error, problems).message}`);
      }
    }
    if (registries.length === 0 && failures.length === 0) failures.push(`no registry under ${source.shown}: expected folders ovh/<registry>/ with details.json, management.json and registry.json`);
    return { places, fields: { registries }, untranslated: [], problems, failures, variables: [] };
  },
};
