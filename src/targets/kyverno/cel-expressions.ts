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

/** True on CREATE and on `kubectl debug`, which UPDATEs the `ephemeralcontainers` subresource. */
export const createdOrDebugged = "request.operation == 'CREATE' || request.subResource == 'ephemeralcontainers'";

/** True when `container` is new: the old Pod had none of that name in `list` (on CREATE there is no old Pod). */
function isNewContainer(list: ContainerList, container: string): string {
  return `(oldObject == null || !oldObject.spec.?${list}.orValue([]).exists(o, o.name == ${container}.name))`;
}

export function onHost(host: string, image: string): string {
  return `${image}.startsWith(${celString(`${host}/`)})`;
}

export function allowed(admission: AdmissionNode, image: string): string {
  return allowedPrefixes(admission)
    .map((prefix) => `${image}.startsWith(${celString(prefix)})`)
    .join(" || ");
}

/** Every image of the Pod `pod`, whichever lists it has. */
function imagesOf(pod: string): string {
  return `(${pod}.spec.containers + ${pod}.spec.?initContainers.orValue([]) + ${pod}.spec.?ephemeralContainers.orValue([])).map(c, c.image)`;
}

/** Every image of the Pod. */
export const podImages = imagesOf("object");

/** Every image the Pod ran before this request: none on CREATE. */
export const oldPodImages = `oldObject == null ? [] : ${imagesOf("oldObject")}`;
