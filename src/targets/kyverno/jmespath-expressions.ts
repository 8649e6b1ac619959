import { allowedPrefixes } from "./allowed-prefixes.js";
import type { AdmissionNode } from "../../ir/model.js";
import { containerLists, type ContainerList } from "./kubernetes-document.js";
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

/**
 * `name image` of each container in `lists` of the old Pod (none on CREATE). Kyverno's `contains`
 * compares items with Go `==`, which panics on lists, so a (name, image) pair is compared as one
 * joined string; neither a container name nor an image holds a space.
 */
function oldPairs(lists: readonly ContainerList[]): string {
  const containers = lists.length === 1 ? `request.oldObject.spec.${lists[0] ?? ""}` : `request.oldObject.spec.[${lists.join(", ")}][]`;
  return `(${containers} | [?name].join(' ', [name, image])) || \`[]\``;
}

const pair = (element: string) => `join(' ', [${element}.name, ${element}.image])`;

/**
 * True when `element` of `list` is new or runs a new image: the old Pod had no container of that
 * name with that image (on CREATE there is no old Pod). A running container keeps its image.
 */
export function isNewContainer(list: ContainerList, element: string): string {
  return `!contains(${oldPairs([list])}, ${pair(element)})`;
}

/** True when the Pod already ran `element` (same name, same image) before this request (only on UPDATE). */
export function alreadyRunning(element: string): string {
  return `contains(${oldPairs(containerLists)}, ${pair(element)})`;
}
