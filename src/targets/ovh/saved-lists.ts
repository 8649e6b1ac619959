import { z } from "zod";
import { onFirstUse } from "../saved-state.js";
import type { RestrictionList } from "./restriction-payloads.js";

/** The answer of GET …/ipRestrictions/{list}: the fields `plan` and `import` use, the rest (dates) kept aside. */
export const savedList = onFirstUse(() => z.array(z.looseObject({ ipBlock: z.string(), description: z.string().nullish() })));

export type SavedList = z.infer<ReturnType<typeof savedList>>;

/** What a saved list file should hold, for messages. */
export const what = (list: RestrictionList): string =>
  `the answer of GET /cloud/project/{serviceName}/containerRegistry/{registryId}/ipRestrictions/${list} (a JSON array of { ipBlock, description })`;
