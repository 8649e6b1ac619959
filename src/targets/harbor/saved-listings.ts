import { z } from "zod";
import { onFirstUse } from "../saved-state.js";

/** The fields `plan` and `import` read, as Harbor's API lists them (`Registry`, `Project`, `Robot`); the rest is kept aside. */
export const savedRegistries = onFirstUse(() =>
  z.array(
    z.looseObject({
      id: z.number(),
      name: z.string(),
      type: z.string(),
      url: z.string(),
      insecure: z.boolean().optional(),
      description: z.string().nullish(),
      // Harbor lists an endpoint's access key and masks its secret.
      credential: z.looseObject({ access_key: z.string().nullish() }).nullish(),
    }),
  ),
);

export const savedProjects = onFirstUse(() =>
  z.array(
    z.looseObject({
      project_id: z.number(),
      name: z.string(),
      registry_id: z.number().nullish(),
      metadata: z.record(z.string(), z.string()).nullish(),
      repo_count: z.number().nullish(),
    }),
  ),
);

export const savedRobots = onFirstUse(() =>
  z.array(
    z.looseObject({
      id: z.number(),
      name: z.string(),
      description: z.string().nullish(),
      level: z.string().nullish(),
      disable: z.boolean().nullish(),
      permissions: z
        .array(z.looseObject({ kind: z.string().nullish(), namespace: z.string().nullish(), access: z.array(z.looseObject({ resource: z.string().nullish(), action: z.string().nullish() })).nullish() }))
        .nullish(),
    }),
  ),
);

export const savedSystemInfo = onFirstUse(() => z.looseObject({ harbor_version: z.string().optional() }));

/** What a saved listing should hold, for messages. */
export const listing = (resource: string, type: string): string => `the answer of GET /api/v2.0/${resource} (a JSON array of ${type}; every page, as one array)`;
