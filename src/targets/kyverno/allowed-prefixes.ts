import type { AdmissionNode } from "../../ir/model.js";

/**
 * What an allowed registry admits, as a string prefix ending in `/`: `harbor.myco.com/` or
 * `registry.myco.com/team/`. The closing `/` is what keeps `harbor.myco.com.evil.com/…` and
 * `registry.myco.com/team-evil/…` out.
 */
export function allowedPrefixes(admission: AdmissionNode): string[] {
  return admission.allow.map((entry) => (entry.pathPrefix === null ? `${entry.host}/` : `${entry.host}/${entry.pathPrefix}/`));
}
