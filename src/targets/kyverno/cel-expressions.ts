import type { AdmissionNode } from "../../ir/model.js";
import { allowedPrefixes } from "./allowed-prefixes.js";
import type { ContainerList } from "./kubernetes-document.js";
import { grammar, hubNameTooLong, imageId, impliedDockerHubPath, localhostPrefix, onHosts, pathLengthOk } from "./reference-regexes.js";
import type { RewritePlan } from "./rewrite-plan.js";

/**
 * CEL expressions over an image expression such as `c.image`, using only standard CEL and the
 * Kubernetes string extensions: `matches` (RE2), `startsWith`, `contains`, `indexOf`, `substring`.
 * Regexes go in raw strings `r'…'`, which keep backslashes; plain values in `'…'`.
 */
function matches(subject: string, regex: string): string {
  if (regex.includes("'")) throw new Error(`regex ${regex} cannot be a CEL raw string`);
  return `${subject}.matches(r'${regex}')`;
}

/** A plain CEL string literal; values here are hosts, prefixes and names, never free text. */
export function celString(value: string): string {
  if (/['\\\n]/.test(value)) throw new Error(`${value} cannot be a plain CEL string`);
  return `'${value}'`;
}

export function validReference(image: string): string {
  return `${matches(image, grammar)} && ${matches(image, pathLengthOk)} && !${matches(image, hubNameTooLong)} && !${matches(image, imageId)}`;
}

function fromUpstream(plan: RewritePlan, image: string): string {
  const explicit = matches(image, onHosts(plan.hosts));
  if (!plan.impliedDockerHub) return explicit;
  return `${explicit} || !${image}.contains('/') || (${matches(image, impliedDockerHubPath)} && !${image}.startsWith(${celString(localhostPrefix.slice(1))}))`;
}

/**
 * The image of `container` (an element of `list`) after the rewrite: unchanged unless the
 * container is new, its image valid, not yet on the proxy, and from an approved upstream.
 */
export function rewritten(plan: RewritePlan, proxyHost: string, list: ContainerList, container: string): string {
  const image = `${container}.image`;
  const chain = plan.steps.reduceRight(
    (otherwise, step) => `${matches(image, step.match)} ? ${celString(step.prefix)} + ${step.stripHost ? `${image}.substring(${image}.indexOf('/') + 1)` : image} : ${otherwise}`,
    image,
  );
  return `${isNewContainer(list, container)} && (${validReference(image)}) && !${image}.startsWith(${celString(`${proxyHost}/`)}) && (${fromUpstream(plan, image)}) ? (${chain}) : ${image}`;
}

/** `name image` of a container: a (name, image) pair as one comparable string (neither holds a space). */
const pairOf = (container: string) => `${container}.name + ' ' + ${container}.image`;

/** True when `container` of `list` is new or runs a new image: the old Pod had no container of that name with that image. */
function isNewContainer(list: ContainerList, container: string): string {
  return `(oldObject == null || !oldObject.spec.?${list}.orValue([]).exists(o, o.name == ${container}.name && o.image == ${container}.image))`;
}

export function onHost(host: string, image: string): string {
  return `${image}.startsWith(${celString(`${host}/`)})`;
}

export function allowed(admission: AdmissionNode, image: string): string {
  return allowedPrefixes(admission)
    .map((prefix) => `${image}.startsWith(${celString(prefix)})`)
    .join(" || ");
}

/** Every container of the Pod `pod`, whichever lists it has. */
function containersOf(pod: string): string {
  return `(${pod}.spec.containers + ${pod}.spec.?initContainers.orValue([]) + ${pod}.spec.?ephemeralContainers.orValue([]))`;
}

/** Every image of the Pod. */
export const podImages = `${containersOf("object")}.map(c, c.image)`;

/** Every container of the Pod. */
export const podContainers = containersOf("object");

/** `name image` of every container the Pod ran before this request: none on CREATE. */
export const oldPodPairs = `oldObject == null ? [] : ${containersOf("oldObject")}.map(c, ${pairOf("c")})`;

/** True when `container` (same name, same image) ran before this request, given `variables.oldPairs`. */
export const ranBefore = (container: string) => `((${pairOf(container)}) in variables.oldPairs)`;

/**
 * True on CREATE, and on an UPDATE that brings a new (name, image) pair: `kubectl debug`'s new
 * ephemeral container, `kubectl set image`. Every other UPDATE skips the policy before any CEL runs.
 */
export const newContainerOrImage = `request.operation == 'CREATE' || ${containersOf("object")}.exists(c, oldObject == null || !${containersOf("oldObject")}.exists(o, o.name == c.name && o.image == c.image))`;
