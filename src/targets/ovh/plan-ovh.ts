import path from "node:path";
import type { ProgramNode } from "../../ir/model.js";
import { requireStateFile, savedStateFailure, type StateFileProblem } from "../saved-state.js";
import type { AppliedItem } from "../target-apply.js";
import { readThroughApply, type SavedSource, type TargetState } from "../target-state.js";
import { applyOvhTarget, compareLists, type DesiredRegistry, desiredRegistries, type MutableOutcome, partOf } from "./apply-ovh.js";
import type { ResolvedOvhOptions } from "./ovh-options.js";
import { normaliseRestrictions, type RestrictionSet } from "./restriction-diff.js";
import type { RestrictionList } from "./restriction-payloads.js";
import { savedList, what } from "./saved-lists.js";

async function savedRegistry(registry: DesiredRegistry, source: SavedSource, problems: StateFileProblem[]): Promise<AppliedItem> {
  const shown = (list: RestrictionList): string => `${source.shown}/${registry.name}/${list}.json`;
  const read = async (list: RestrictionList): Promise<RestrictionSet> => {
    const entries = await requireStateFile(path.join(source.dir, registry.name, `${list}.json`), shown(list), savedList(), what(list));
    const normalised = normaliseRestrictions(entries);
    if (!normalised.ok) throw new Error(`${shown(list)}: ${normalised.reason}`);
    return normalised.set;
  };
  const item = { name: registry.name, where: `${registry.endpoint}, saved in ${source.shown}/${registry.name}`, json: { registry: registry.name, endpoint: registry.endpoint, saved: `${source.shown}/${registry.name}` } };
  const lists: MutableOutcome[] = [];
  try {
    await compareLists(registry, read, shown, lists);
    return { ...item, parts: lists.map((list) => partOf(list, true)), failure: undefined };
  } catch (error) {
    return { ...item, parts: lists.map((list) => partOf(list, true)), failure: savedStateFailure(error, problems) };
  }
}

/**
 * `regfence plan` for OVH: both IP restriction lists of each registry, read live exactly as
 * `apply ovh --dry-run` reads them, or from the saved answers of the same two GETs.
 */
export const ovhState: TargetState<ResolvedOvhOptions> = {
  noun: "registry",
  plural: "registries",
  savedHelp: `  ovh/<registry>/management.json, ovh/<registry>/registry.json
                       the answers of GET /cloud/project/{serviceName}/containerRegistry/
                       {registryId}/ipRestrictions/management and …/registry`,
  liveHelp: applyOvhTarget.environmentHelp,
  names: (program: ProgramNode, options) => desiredRegistries(program, options).map(({ name }) => name),
  read: readThroughApply(applyOvhTarget, desiredRegistries, savedRegistry),
};
