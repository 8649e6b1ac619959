import { searchKyverno, wildcardMatch } from "./kyverno-functions.ts";

/**
 * The part of Kyverno's engine that regfence's ClusterPolicies use, run over an admission request
 * for a Pod or a Namespace: match/exclude (kinds, operations, namespaces, names), rule and foreach
 * preconditions (`all`/`any`), `mutate.foreach` and `mutate.patchStrategicMerge` (lists merged by
 * `name`), `validate.foreach` with `deny.conditions`, `generate` with `clone`, and `{{ }}`
 * variable substitution through JMESPath. Anything else in a policy is an error, not silently
 * skipped, so a policy using more than the harness knows fails its tests instead of passing them.
 *
 * Every policy given applies to every request, as in the cluster: several regfence policies are
 * loaded by passing all their documents.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** A Kubernetes manifest as parsed from YAML. */
export type Manifest = Record<string, unknown>;

export interface AdmissionRequest {
  readonly operation: "CREATE" | "UPDATE";
  readonly namespace: string;
  readonly object: Manifest;
  /** The object before an UPDATE (required then, absent on CREATE). */
  readonly oldObject?: Manifest;
  /** `kubectl debug` UPDATEs this subresource of the Pod. */
  readonly subResource?: "ephemeralcontainers";
}

export interface Violation {
  readonly policy: string;
  readonly rule: string;
  readonly message: string;
  readonly action: "Enforce" | "Audit";
}

export interface AdmissionOutcome {
  /** The Pod after every mutating policy, in order (and what the API server keeps of it). */
  readonly object: Manifest;
  readonly violations: readonly Violation[];
  /** False when an Enforce rule failed. */
  readonly admitted: boolean;
  /** What generate rules create in response (ClusterPolicies only). */
  readonly generated?: readonly Manifest[];
}

const known = (value: object, keys: readonly string[], where: string): void => {
  const unknown = Object.keys(value).filter((key) => !keys.includes(key));
  if (unknown.length > 0) throw new Error(`harness: ${where} uses ${unknown.join(", ")}, which the harness does not implement`);
};

/**
 * Admission as the API server runs it: every mutating policy first (mutation precedes validation),
 * then every validating rule against the mutated object.
 */
export function admit(manifests: readonly Manifest[], admission: AdmissionRequest): AdmissionOutcome {
  checkRequest(admission);
  const policies = manifests as readonly JsonObject[];
  const request = admission as Request;
  let object = structuredClone(request.object);
  for (const policy of policies) {
    for (const rule of rules(policy)) if ("mutate" in rule) object = mutate(rule, { ...request, object });
  }
  object = storedObject(admission, object as Manifest) as JsonObject;
  const violations: Violation[] = [];
  const generated: Manifest[] = [];
  for (const policy of policies) {
    const name = String((policy["metadata"] as JsonObject)["name"]);
    for (const rule of rules(policy)) {
      if ("validate" in rule) violations.push(...validate(name, rule, { ...request, object }));
      if ("generate" in rule) generated.push(...generate(rule, { ...request, object }));
    }
  }
  return { object, violations, admitted: !violations.some((violation) => violation.action === "Enforce"), generated };
}

/** An UPDATE carries the old object; a CREATE has none. */
export function checkRequest(request: AdmissionRequest): void {
  if ((request.operation === "UPDATE") !== (request.oldObject !== undefined)) throw new Error("harness: an UPDATE needs oldObject, a CREATE has none");
  if (request.subResource !== undefined && request.operation !== "UPDATE") throw new Error("harness: the ephemeralcontainers subresource is only updated");
}

/**
 * What the API server keeps of a mutated Pod before validating webhooks see it. On the
 * `ephemeralcontainers` subresource only `spec.ephemeralContainers` may change (the rest is reset
 * to the old Pod), and existing ephemeral containers may not change at all: the request fails.
 */
export function storedObject(request: AdmissionRequest, object: Manifest): Manifest {
  if (request.subResource === undefined || request.oldObject === undefined) return object;
  type Containers = { ephemeralContainers?: { name: string }[] };
  const old = request.oldObject["spec"] as Containers;
  const ephemeral = (object["spec"] as Containers).ephemeralContainers ?? [];
  for (const container of old.ephemeralContainers ?? []) {
    const now = ephemeral.find((candidate) => candidate.name === container.name);
    if (JSON.stringify(now) !== JSON.stringify(container)) throw new Error(`harness: the API server refuses the update: existing ephemeral container ${container.name} changed`);
  }
  return { ...request.oldObject, spec: { ...old, ephemeralContainers: ephemeral } };
}

function rules(policy: JsonObject): JsonObject[] {
  if (policy["kind"] !== "ClusterPolicy") throw new Error(`harness: ${String(policy["kind"])} is not a ClusterPolicy`);
  const spec = policy["spec"] as JsonObject;
  known(spec, ["background", "emitWarning", "webhookConfiguration", "rules"], "spec");
  const rules = spec["rules"] as JsonObject[];
  const annotations = ((policy["metadata"] as JsonObject)["annotations"] ?? {}) as JsonObject;
  const podRules = rules.some((rule) => JSON.stringify(rule["match"]).includes('"Pod"'));
  if (podRules && annotations["pod-policies.kyverno.io/autogen-controllers"] !== "none") throw new Error("harness: autogen must be off; the harness only runs Pod rules");
  return rules;
}

type Request = Omit<AdmissionRequest, "object" | "oldObject"> & { readonly object: JsonObject; readonly oldObject?: Manifest };

/** Kyverno's `request`: the admission request, `oldObject` null on CREATE, `subResource` omitted when empty. */
function context(request: Request): JsonObject {
  return {
    request: {
      operation: request.operation,
      namespace: request.namespace,
      object: request.object,
      oldObject: (request.oldObject ?? null) as Json,
      ...(request.subResource === undefined ? {} : { subResource: request.subResource }),
    },
  };
}

function applies(rule: JsonObject, request: Request): boolean {
  return ruleMatches(rule as Manifest, request) && conditionsHold(rule["preconditions"], context(request));
}

/** Whether a rule's `match` takes the request and its `exclude` does not (its preconditions aside). */
export function ruleMatches(rule: Manifest, request: AdmissionRequest): boolean {
  known(rule, ["name", "match", "exclude", "preconditions", "mutate", "validate", "generate"], `rule ${String(rule["name"])}`);
  const matches = (block: unknown): boolean => {
    if (block === undefined) return false;
    const filters = (block as JsonObject)["any"] as JsonObject[];
    return filters.some((filter) => {
      const resources = filter["resources"] as JsonObject;
      known(resources, ["kinds", "operations", "namespaces", "names"], "resources");
      const kinds = resources["kinds"] as string[] | undefined;
      const operations = resources["operations"] as string[] | undefined;
      const namespaces = resources["namespaces"] as string[] | undefined;
      const names = resources["names"] as string[] | undefined;
      const name = String((request.object["metadata"] as JsonObject)["name"]);
      return (
        (kinds === undefined || kinds.includes(String(request.object["kind"]))) &&
        (operations === undefined || operations.includes(request.operation)) &&
        (namespaces === undefined || namespaces.some((pattern) => wildcardMatch(pattern, request.namespace))) &&
        (names === undefined || names.some((pattern) => wildcardMatch(pattern, name)))
      );
    });
  };
  return matches(rule["match"]) && !matches(rule["exclude"]);
}

function mutate(rule: JsonObject, request: Request): JsonObject {
  if (!applies(rule, request)) return request.object;
  const spec = rule["mutate"] as JsonObject;
  known(spec, ["foreach", "patchStrategicMerge"], "mutate");
  let object = request.object;
  if (spec["patchStrategicMerge"] !== undefined) object = strategicMerge(object, substitute(spec["patchStrategicMerge"], context(request))) as JsonObject;
  for (const entry of (spec["foreach"] ?? []) as JsonObject[]) {
    known(entry, ["list", "preconditions", "patchStrategicMerge"], "mutate.foreach");
    const elements = listOf(entry, context({ ...request, object }));
    // Kyverno applies strategic-merge foreach patches in reverse list order by default.
    for (const element of [...elements].reverse()) {
      const scope = { ...context({ ...request, object }), element };
      if (conditionsHold(entry["preconditions"], scope)) object = strategicMerge(object, substitute(entry["patchStrategicMerge"] as Json, scope)) as JsonObject;
    }
  }
  return object;
}

function validate(policy: string, rule: JsonObject, request: Request): Violation[] {
  if (!applies(rule, request)) return [];
  const spec = rule["validate"] as JsonObject;
  known(spec, ["failureAction", "allowExistingViolations", "message", "foreach"], "validate");
  // The harness judges the new object only, which is Kyverno's behaviour with this off.
  if (spec["allowExistingViolations"] !== false) throw new Error("harness: allowExistingViolations (default true) is not implemented");
  const action = spec["failureAction"] as "Enforce" | "Audit";
  for (const entry of spec["foreach"] as JsonObject[]) {
    known(entry, ["list", "deny"], "validate.foreach");
    for (const element of listOf(entry, context(request))) {
      const deny = (entry["deny"] as JsonObject)["conditions"];
      const scope = { ...context(request), element };
      const failed = failingCondition(deny, scope);
      if (failed !== null) {
        // Kyverno's getDenyMessage: the rule's message and the matched condition's, substituted in the element's scope, joined by "; ".
        const detail = failed["message"] === undefined ? "" : String(substitute(failed["message"], scope));
        return [{ policy, rule: String(rule["name"]), message: [String(spec["message"]), detail].filter((part) => part !== "").join("; "), action }];
      }
    }
  }
  return [];
}

/**
 * A `generate` rule with `clone`: the copy it makes (on CREATE, and for existing triggers with
 * `generateExisting`), named by substituting the request into `name` and `namespace`.
 */
function generate(rule: JsonObject, request: Request): Manifest[] {
  if (!applies(rule, request)) return [];
  const spec = rule["generate"] as JsonObject;
  known(spec, ["generateExisting", "synchronize", "apiVersion", "kind", "name", "namespace", "clone"], "generate");
  const clone = spec["clone"] as JsonObject;
  known(clone, ["namespace", "name"], "generate.clone");
  const scope = context(request);
  return [
    {
      apiVersion: spec["apiVersion"],
      kind: spec["kind"],
      metadata: { name: substitute(spec["name"] ?? null, scope), namespace: substitute(spec["namespace"] ?? null, scope) },
      clonedFrom: clone,
      synchronized: spec["synchronize"] === true,
      forExisting: spec["generateExisting"] === true,
    },
  ];
}

/** The foreach list; nil elements are skipped, as Kyverno does. */
function listOf(entry: JsonObject, scope: JsonObject): Json[] {
  const list = searchKyverno(scope, String(entry["list"]));
  if (!Array.isArray(list)) throw new Error(`harness: foreach list ${String(entry["list"])} is not a list`);
  return (list as Json[]).filter((element) => element !== null);
}

/** The deny condition that holds (`any` only, as regfence emits), or null. */
function failingCondition(block: Json | undefined, scope: JsonObject): JsonObject | null {
  const { any, ...rest } = (block ?? {}) as { any?: JsonObject[] };
  known(rest, [], "deny conditions");
  return (any ?? []).find((condition) => holds(condition, scope)) ?? null;
}

/** `{any: […], all: […]}`: every `all` condition and, when there are any, one `any` condition. */
function conditionsHold(block: Json | undefined, scope: JsonObject): boolean {
  if (block === undefined) return true;
  const { all, any, ...rest } = block as { all?: JsonObject[]; any?: JsonObject[] };
  known(rest, [], "conditions");
  return (all ?? []).every((condition) => holds(condition, scope)) && (any === undefined || any.some((condition) => holds(condition, scope)));
}

function holds(condition: JsonObject, scope: JsonObject): boolean {
  known(condition, ["key", "operator", "value", "message"], "condition");
  const key = substitute(condition["key"] ?? null, scope);
  const value = substitute(condition["value"] ?? null, scope);
  switch (condition["operator"]) {
    case "Equals":
      return equals(key, value);
    case "NotEquals":
      return !equals(key, value);
    case "GreaterThan":
      if (typeof key !== "number" || typeof value !== "number") throw new Error(`harness: GreaterThan on ${typeof key} and ${typeof value}`);
      return key > value;
    default:
      throw new Error(`harness: operator ${String(condition["operator"])} is not implemented`);
  }
}

/** Kyverno's Equals: strings compare as wildcard patterns (the value is the pattern), the rest strictly. */
function equals(key: Json, value: Json): boolean {
  if (typeof key === "string" && typeof value === "string") return wildcardMatch(value, key);
  if (typeof key !== typeof value) throw new Error(`harness: Equals on ${typeof key} and ${typeof value}`);
  return JSON.stringify(key) === JSON.stringify(value);
}

/** Kyverno's variable pattern: `{{ … }}` holding no braces but one level of `{…}` (regex quantifiers, `${1}`). */
const variable = /\{\{((?:\{[^{}]*\}|[^{}])*)\}\}/g;

/**
 * Substitutes `{{ expression }}` in every string: a string that is one variable takes the value's
 * type (a boolean stays a boolean); variables inside text are stringified into it.
 */
function substitute(value: Json, scope: JsonObject): Json {
  if (typeof value === "string") {
    const whole = /^\{\{((?:\{[^{}]*\}|[^{}])*)\}\}$/.exec(value);
    if (whole !== null) return evaluate(whole[1] ?? "", scope);
    return value.replace(variable, (_, expression: string) => {
      const result = evaluate(expression, scope);
      return typeof result === "string" ? result : JSON.stringify(result);
    });
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, scope));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, scope)]));
  return value;
}

/**
 * Kyverno fails a variable whose query yields nothing ("Unknown key"), which denies the request
 * for a mutate precondition: a null result is an error here too, so expressions need defaults.
 */
function evaluate(expression: string, scope: JsonObject): Json {
  const result = searchKyverno(scope, expression.trim());
  if (result === undefined || result === null) throw new Error(`harness: ${expression} evaluated to nothing (Kyverno: Unknown key)`);
  return result as Json;
}

/** Strategic merge for Pod specs: objects merge, lists of named objects merge by `name`, the rest is replaced. */
export function strategicMerge(target: Json, patch: Json): Json {
  if (Array.isArray(patch)) {
    if (!Array.isArray(target) || !patch.every(isNamed)) return structuredClone(patch);
    const merged = target.map((item) => structuredClone(item));
    for (const item of patch) {
      const index = merged.findIndex((existing) => isNamed(existing) && existing["name"] === item["name"]);
      if (index < 0) merged.push(structuredClone(item));
      else merged[index] = strategicMerge(merged[index] ?? null, item);
    }
    return merged;
  }
  if (patch !== null && typeof patch === "object") {
    const base: JsonObject = target !== null && typeof target === "object" && !Array.isArray(target) ? { ...target } : {};
    for (const [key, value] of Object.entries(patch)) base[key] = strategicMerge(base[key] ?? null, value);
    return base;
  }
  return patch;
}

function isNamed(value: Json | undefined): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value) && typeof value["name"] === "string";
}
