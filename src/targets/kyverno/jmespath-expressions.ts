import { allowedPrefixes } from "./allowed-prefixes.js";
import type { AdmissionNode } from "../../ir/model.js";
import { grammar, hubNameTooLong, imageId, impliedDockerHubPath, literal, localhostPrefix, onHosts, pathLengthOk } from "./reference-regexes.js";
import type { RewritePlan } from "./rewrite-plan.js";

/**
 * JMESPath expressions (Kyverno's dialect: `regex_match`/`regex_replace_all` are Go RE2, `${1}`
 * a group) over an image expression such as `element.image`. Regexes go in raw strings `'…'`,
 * which keep backslashes as written; none of them contains a `'`.
 */
function regexMatch(regex: string, subject: string): string {
  if (regex.includes("'")) throw new Error(`regex ${regex} cannot be a JMESPath raw string`);
  return `regex_match('${regex}', ${subject})`;
}

/** True when `image` is a valid reference (see reference-regexes.ts). */
export function validReference(image: string): string {
  return `${regexMatch(grammar, image)} && ${regexMatch(pathLengthOk, image)} && !${regexMatch(hubNameTooLong, image)} && !${regexMatch(imageId, image)}`;
}

/** True when `image` is on `host`. */
export function onHost(host: string, image: string): string {
  return regexMatch(onHosts([host]), image);
}

/** True when `image` (known valid) names an approved upstream, Docker Hub implied included. */
export function fromUpstream(plan: RewritePlan, image: string): string {
  const explicit = regexMatch(onHosts(plan.hosts), image);
  if (!plan.impliedDockerHub) return explicit;
  return `${explicit} || ${regexMatch("^[^/]+$", image)} || (${regexMatch(impliedDockerHubPath, image)} && !${regexMatch(localhostPrefix, image)})`;
}

/** The rewritten image: the plan's steps nested, innermost first. */
export function rewritten(plan: RewritePlan, image: string): string {
  return plan.steps.reduce((inner, step) => `regex_replace_all('${step.match}', ${inner}, '${step.prefix}\${1}')`, image);
}

/** True when `image` starts with an allowed prefix. */
export function allowed(admission: AdmissionNode, image: string): string {
  return regexMatch(`^(?:${allowedPrefixes(admission).map(literal).join("|")})`, image);
}
