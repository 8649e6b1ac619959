import type { AdmissionNode } from "../../ir/model.js";

/**
 * What an allowed registry admits, as a string prefix ending in `/`: `harbor.myco.com/` or
 * `registry.myco.com/team/`. The closing `/` is what keeps `harbor.myco.com.evil.com/…` and
 * `registry.myco.com/team-evil/…` out.
 */
export function allowedPrefixes(admission: AdmissionNode): string[] {
  return admission.allow.map((entry) => (entry.pathPrefix === null ? `${entry.host}/` : `${entry.host}/${entry.pathPrefix}/`));
}

/** The allowed prefix an image starts with, as the allowlist's rule judges it; undefined when it is on none. */
export function allowedPrefixOf(admission: AdmissionNode, image: string): string | undefined {
  return allowedPrefixes(admission).find((prefix) => image.startsWith(prefix));
}

/**
 * The prefixes an image must start with to pass every one of several allowlists: an image passes
 * two prefixes exactly when it starts with the longer, and that one starts with the shorter.
 * Sorted, and without a prefix that a shorter one in the result already covers.
 */
export function commonPrefixes(allowlists: readonly (readonly string[])[]): string[] {
  const [first = [], ...rest] = allowlists;
  const common = rest.reduce<readonly string[]>(
    (sofar, next) => sofar.flatMap((a) => next.flatMap((b) => (a.startsWith(b) ? [a] : b.startsWith(a) ? [b] : []))),
    first,
  );
  const unique = [...new Set(common)].sort();
  return unique.filter((prefix) => !unique.some((shorter) => shorter !== prefix && prefix.startsWith(shorter)));
}

/** Whether some image under `prefix` can pass the allowlist (all of them, or only some, when it allows a longer path). */
export function admitsSomeOf(allowlist: readonly string[], prefix: string): boolean {
  return allowlist.some((allowed) => prefix.startsWith(allowed) || allowed.startsWith(prefix));
}
