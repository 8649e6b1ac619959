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
 * True on CREATE and on `kubectl debug`, which UPDATEs the `ephemeralcontainers` subresource.
 * `request.subResource` is omitted from requests without one; the `|| ''` default keeps Kyverno
 * from failing the variable as an unknown key (and so denying every other UPDATE).
 */
export const createdOrDebugged = "request.operation == 'CREATE' || (request.subResource || '') == 'ephemeralcontainers'";

/** True when `element` is a new container: the old Pod had none of that name in `list` (on CREATE there is no old Pod). */
export function isNewContainer(list: ContainerList, element: string): string {
  return `!contains(request.oldObject.spec.${list}[].name || \`[]\`, ${element}.name)`;
}

/** True when the Pod already ran `image` before this request (only on UPDATE). */
export function alreadyRunning(image: string): string {
  return `contains(request.oldObject.spec.[${containerLists.join(", ")}][].image || \`[]\`, ${image})`;
}
