import { DraftCall, type DraftValue } from "../../render/policy-draft.js";
import { type KubernetesObject, liveObjects, managedBy, readSavedManifests, whereIs } from "../kubernetes-state.js";
import { savedStateFailure, type StateFileProblem } from "../saved-state.js";
import type { ImportedState, StateSource, TargetImport } from "../target-state.js";

type Path = readonly (string | number)[];

/** Every string in a value, with its path: the rules' expressions, patterns and patches. */
function strings(value: unknown, at: Path = []): { readonly path: Path; readonly text: string }[] {
  if (typeof value === "string") return [{ path: at, text: value }];
  if (Array.isArray(value)) return value.flatMap((item, index) => strings(item, [...at, index]));
  if (typeof value === "object" && value !== null) return Object.entries(value).flatMap(([key, field]) => strings(field, [...at, key]));
  return [];
}

/** A registry prefix as `admission.allow` takes it: host[:port][/path]. */
const registryPrefix = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d+)?(\/[a-z0-9._-]+)*$/;
const unescape = (text: string): string => text.replaceAll("\\.", ".");

/** What import understood of the cluster's Kyverno policies, and what it could not translate. */
interface Reading {
  proxyHost: string | undefined;
  /** Docker Hub's official images are written with `library/` (go-containerregistry's repository has it). */
  libraryPrefix: boolean;
  readonly upstreams: Map<string, string | undefined>;
  readonly allow: string[];
  mode: "Audit" | "Enforce" | undefined;
  readonly excludeNamespaces: Set<string>;
  readonly untranslated: StateFileProblem[];
}

/**
 * One mutate string: the proxy-cache rewrite of the Harbor document (`regex_replace_all('(quay.io|…)/(.*)',
 * …, 'harbor.myco.com/$1/$2')` and its implied-docker.io rule), or the policy library's
 * replace-image-registry-with-harbor (`harbor.example.com/k8s/{{imageData.repository}}:…`).
 */
function readRewrite(text: string, ruleText: string, reading: Reading, say: (message: string) => void): void {
  const call = /regex_replace_all(?:_literal)?\(\s*'([^']*)'\s*,\s*'[^']*'\s*,\s*'([^']*)'\s*\)/.exec(text);
  const setHost = (host: string): boolean => {
    if (reading.proxyHost === undefined || reading.proxyHost === host) {
      reading.proxyHost = host;
      return true;
    }
    say(`rewrites to ${host}, but another rule rewrites to ${reading.proxyHost}: a policy has one proxy cache, so this one is left out (import it into a policy of its own)`);
    return false;
  };
  if (call !== null) {
    const [, pattern = "", replacement = ""] = call;
    const perUpstream = /^\^?\(([^()]+)\)\/\(\.\*\)\$?$/.exec(pattern);
    const byProject = /^([^/$]+)\/\$1\/\$2$/.exec(replacement);
    if (perUpstream !== null && byProject !== null) {
      if (setHost(byProject[1] ?? "")) for (const upstream of (perUpstream[1] ?? "").split("|")) reading.upstreams.set(unescape(upstream.trim()), undefined);
      return;
    }
    const implied = /^([^/$]+)\/docker\.io\/\$1$/.exec(replacement);
    if (implied !== null) {
      if (setHost(implied[1] ?? "")) reading.upstreams.set("docker.io", undefined);
      if (pattern.includes("[^")) say(`the implied-docker.io rule's ${pattern} is a character class, not "not this host": it skips every image starting with one of its letters; regfence's rewrite covers them all`);
      return;
    }
    if (/\$2$/.test(replacement) && !replacement.includes("$1")) {
      say(`rewrites every registry's images to ${replacement.replace(/\/?\$2$/, "")} without the registry's name: regfence's proxy cache keeps one Harbor project per upstream, so this is not translated; harborProxyCache({ host: "${replacement.replace(/\/?\$2$/, "")}", upstreams: [...] }) is the equivalent`);
      return;
    }
    say(`a rewrite import does not recognise (${pattern} → ${replacement}): not translated`);
    return;
  }
  const harbor = /^([^/{]+)\/([^/{]+)\/\{\{\s*imageData\.repository\s*\}\}:\{\{\s*imageData\.identifier\s*\}\}$/.exec(text.trim());
  if (harbor !== null) {
    const registry = /\bindex\.docker\.io\b/.test(ruleText) ? "docker.io" : /value:\s*"?([a-z0-9.-]+\.[a-z]+)"?/.exec(ruleText)?.[1];
    if (registry === undefined) say(`rewrites to ${harbor[1] ?? ""}/${harbor[2] ?? ""}/, but import cannot tell from which registry: not translated`);
    else if (setHost(harbor[1] ?? "")) {
      reading.upstreams.set(registry, harbor[2]);
      if (registry === "docker.io") reading.libraryPrefix = true;
    }
    return;
  }
  if (/images\.(containers|initContainers)/.test(text)) say("rebuilds images from path and tag (the policy library's prepend-image-registry), dropping digests: not translated; a harborProxyCache is the equivalent");
}

/** One validate string: an allowlist pattern (`"eu.foo.io/* | bar.io/*"`) or a CEL `startsWith`. */
function readAllowlist(text: string, say: (message: string) => void, reading: Reading): void {
  const prefixes = text.includes("startsWith(")
    ? [...text.matchAll(/startsWith\(\s*['"]([^'"]+)['"]\s*\)/g)].map((match) => match[1] ?? "")
    : text.split("|").map((alternative) => alternative.trim());
  for (const alternative of prefixes) {
    const prefix = alternative.replace(/\/\*?$/, "");
    if (registryPrefix.test(prefix)) {
      if (!reading.allow.includes(prefix)) reading.allow.push(prefix);
    } else say(`allows "${alternative}", which is not a registry prefix (host[:port][/path]/*): not translated`);
  }
}

function failureAction(object: KubernetesObject, rule: Record<string, unknown>): "Audit" | "Enforce" | undefined {
  const written = ((rule["validate"] as Record<string, unknown> | undefined)?.["failureAction"] ?? (object["spec"] as Record<string, unknown> | undefined)?.["validationFailureAction"]) as string | undefined;
  const actions = (object["spec"] as { validationActions?: string[] } | undefined)?.validationActions;
  if (actions !== undefined) return actions.includes("Deny") ? "Enforce" : "Audit";
  return written === undefined ? undefined : written.toLowerCase() === "enforce" ? "Enforce" : "Audit";
}

/** Reads one Kyverno policy into `reading`, naming what it cannot translate at its line. */
function readPolicy(object: KubernetesObject, shown: string, reading: Reading): void {
  const spec = (object["spec"] ?? {}) as Record<string, unknown>;
  const rules = Array.isArray(spec["rules"]) ? (spec["rules"] as Record<string, unknown>[]) : [spec];
  const base: Path = Array.isArray(spec["rules"]) ? ["spec", "rules"] : ["spec"];
  rules.forEach((rule, index) => {
    const at: Path = Array.isArray(spec["rules"]) ? [...base, index] : base;
    const label = `${object.kind} ${object.metadata.name}${typeof rule["name"] === "string" ? ` rule ${rule["name"]}` : ""}`;
    const ruleText = JSON.stringify(rule);
    const mutating = object.kind === "MutatingPolicy" || rule["mutate"] !== undefined || rule["mutations"] !== undefined;
    const validating = object.kind === "ValidatingPolicy" || rule["validate"] !== undefined || rule["validations"] !== undefined;
    for (const { path, text } of strings(rule)) {
      const say = (message: string) => reading.untranslated.push({ ...whereIs(object, [...at, ...path], shown), message: `${label}: ${message}` });
      const aboutImages = path.at(-1) === "image" || /image/i.test(text);
      if (mutating && aboutImages && (/regex_replace/.test(text) || /imageData|images\./.test(text))) readRewrite(text, ruleText, reading, say);
      else if (validating && ((path.at(-1) === "image" && path.includes("pattern")) || /\.image\.startsWith\(/.test(text))) {
        readAllowlist(text, say, reading);
        reading.mode ??= failureAction(object, rule);
      }
    }
    if (validating) {
      const exclude = (rule["exclude"] ?? {}) as { any?: { resources?: { namespaces?: string[] } }[]; resources?: { namespaces?: string[] } };
      for (const namespace of [...(exclude.resources?.namespaces ?? []), ...(exclude.any ?? []).flatMap((entry) => entry.resources?.namespaces ?? [])]) reading.excludeNamespaces.add(namespace);
    }
  });
}

const policyKinds = ["ClusterPolicy", "Policy", "MutatingPolicy", "ValidatingPolicy"];

/**
 * `regfence import kyverno`: the cluster's image policies (saved manifests, or live with kubectl)
 * as a proxy cache and admission rules. It recognises the Harbor proxy-cache rewrite of the
 * Kyverno + Harbor document, the policy library's replace-image-registry-with-harbor and
 * restrict-image-registries (and their CEL variants' `startsWith`), and names, at the input line,
 * what it cannot translate (a single-mirror rewrite that drops the registry, a pattern that is not
 * a registry prefix). regfence's own policies are skipped.
 */
export const importKyverno: TargetImport = {
  help: `  kyverno/*.yaml, *.yml, *.json
                       the cluster's Kyverno policies (kubectl get clusterpolicies,… -o yaml);
                       live: kubectl`,
  async read(source: StateSource): Promise<ImportedState> {
    const problems: StateFileProblem[] = [];
    const shown = source.kind === "live" ? "kubectl get clusterpolicies" : source.shown;
    const reading: Reading = { proxyHost: undefined, libraryPrefix: false, upstreams: new Map(), allow: [], mode: undefined, excludeNamespaces: new Set(), untranslated: [] };
    let objects: KubernetesObject[];
    try {
      objects =
        source.kind === "live"
          ? await liveObjects(["clusterpolicies.kyverno.io", "policies.kyverno.io", "mutatingpolicies.policies.kyverno.io", "validatingpolicies.policies.kyverno.io"], source.environment)
          : await readSavedManifests(source.dir, source.shown);
    } catch (error) {
      return { places: [], fields: {}, untranslated: [], problems, failures: [`kyverno: ${savedStateFailure(error, problems).message}`], variables: [] };
    }
    const foreign = objects.filter((object) => policyKinds.includes(object.kind) && object.metadata.labels?.[managedBy.key] !== managedBy.value);
    for (const object of foreign) readPolicy(object, shown, reading);
    const fields: { proxyCache?: DraftCall; admission?: DraftValue } = {};
    if (reading.proxyHost !== undefined) {
      const upstreams = [...reading.upstreams].map(([registry, project]): DraftValue => (project === undefined || project === registry ? registry : { registry, project }));
      fields.proxyCache = new DraftCall("harborProxyCache", [{ host: reading.proxyHost, upstreams, ...(reading.libraryPrefix ? { dockerHubLibraryPrefix: true } : {}) }]);
    }
    // An upstream the proxy cache rewrites has no effect in the allowlist (regfence would warn, RF3007).
    const allow = reading.allow.filter((prefix) => !reading.upstreams.has(prefix));
    if (allow.length > 0) {
      fields.admission = {
        mode: reading.mode ?? "Audit",
        allow,
        ...(reading.excludeNamespaces.size === 0 ? {} : { excludeNamespaces: [...reading.excludeNamespaces].sort() }),
      };
    }
    const failures =
      fields.proxyCache === undefined && fields.admission === undefined
        ? [`kyverno: nothing under ${shown} that import translates (a rewrite to a Harbor proxy cache, or an allowlist of registries)${reading.untranslated.length > 0 ? "; see the warnings" : ""}`]
        : [];
    return { places: [], fields, untranslated: reading.untranslated, problems, failures, variables: [] };
  },
};
