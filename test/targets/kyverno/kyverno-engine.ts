import { searchKyverno, wildcardMatch } from "./kyverno-functions.ts";

/**
 * The part of Kyverno's engine that regfence's ClusterPolicies use, run over an admission request
 * for a Pod: match/exclude (kinds, operations, namespaces), rule and foreach preconditions
 * (`all`/`any`), `mutate.foreach` and `mutate.patchStrategicMerge` (lists merged by `name`),
 * `validate.foreach` with `deny.conditions`, and `{{ }}` variable substitution through JMESPath.
 * Anything else in a policy is an error, not silently skipped, so a policy using more than the
 * harness knows fails its tests instead of passing them.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** A Kubernetes manifest as parsed from YAML. */
export type Manifest = Record<string, unknown>;

export interface AdmissionRequest {
  readonly operation: "CREATE" | "UPDATE";
  readonly namespace: string;
  readonly object: Manifest;
}

export interface Violation {
  readonly policy: string;
  readonly rule: string;
  readonly message: string;
  readonly action: "Enforce" | "Audit";
}

export interface AdmissionOutcome {
  /** The Pod after every mutating policy, in order. */
  readonly object: Manifest;
  readonly violations: readonly Violation[];
  /** False when an Enforce rule failed. */
  readonly admitted: boolean;
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
  const policies = manifests as readonly JsonObject[];
  const request = admission as Request;
  let object = structuredClone(request.object);
  for (const policy of policies) {
    for (const rule of rules(policy)) if ("mutate" in rule) object = mutate(rule, { ...request, object });
  }
  const violations: Violation[] = [];
  for (const policy of policies) {
    const name = String((policy["metadata"] as JsonObject)["name"]);
    for (const rule of rules(policy)) if ("validate" in rule) violations.push(...validate(name, rule, { ...request, object }));
  }
  return { object, violations, admitted: !violations.some((violation) => violation.action === "Enforce") };
}

function rules(policy: JsonObject): JsonObject[] {
  if (policy["kind"] !== "ClusterPolicy") throw new Error(`harness: ${String(policy["kind"])} is not a ClusterPolicy`);
  const spec = policy["spec"] as JsonObject;
  known(spec, ["background", "webhookConfiguration", "rules"], "spec");
  const annotations = ((policy["metadata"] as JsonObject)["annotations"] ?? {}) as JsonObject;
  if (annotations["pod-policies.kyverno.io/autogen-controllers"] !== "none") throw new Error("harness: autogen must be off; the harness only runs Pod rules");
  return spec["rules"] as JsonObject[];
}

type Request = Omit<AdmissionRequest, "object"> & { readonly object: JsonObject };

function context(request: Request): JsonObject {
  return { request: { operation: request.operation, namespace: request.namespace, object: request.object } };
}

function applies(rule: JsonObject, request: Request): boolean {
  known(rule, ["name", "match", "exclude", "preconditions", "mutate", "validate"], `rule ${String(rule["name"])}`);
  const matches = (block: Json | undefined): boolean => {
    if (block === undefined) return false;
    const filters = (block as JsonObject)["any"] as JsonObject[];
    return filters.some((filter) => {
      const resources = filter["resources"] as JsonObject;
      known(resources, ["kinds", "operations", "namespaces"], "resources");
      const kinds = resources["kinds"] as string[] | undefined;
      const operations = resources["operations"] as string[] | undefined;
      const namespaces = resources["namespaces"] as string[] | undefined;
      return (
        (kinds === undefined || kinds.includes(String(request.object["kind"]))) &&
        (operations === undefined || operations.includes(request.operation)) &&
        (namespaces === undefined || namespaces.some((pattern) => wildcardMatch(pattern, request.namespace)))
      );
    });
  };
  return matches(rule["match"]) && !matches(rule["exclude"]) && conditionsHold(rule["preconditions"], context(request));
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
  known(spec, ["failureAction", "message", "foreach"], "validate");
  const action = spec["failureAction"] as "Enforce" | "Audit";
  for (const entry of spec["foreach"] as JsonObject[]) {
    known(entry, ["list", "deny"], "validate.foreach");
    for (const element of listOf(entry, context(request))) {
      const deny = (entry["deny"] as JsonObject)["conditions"];
      if (conditionsHold(deny, { ...context(request), element })) return [{ policy, rule: String(rule["name"]), message: String(spec["message"]), action }];
    }
  }
  return [];
}

/** The foreach list; nil elements are skipped, as Kyverno does. */
function listOf(entry: JsonObject, scope: JsonObject): Json[] {
  const list = searchKyverno(scope, String(entry["list"]));
  if (!Array.isArray(list)) throw new Error(`harness: foreach list ${String(entry["list"])} is not a list`);
  return (list as Json[]).filter((element) => element !== null);
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

function evaluate(expression: string, scope: JsonObject): Json {
  const result = searchKyverno(scope, expression.trim());
  if (result === undefined) throw new Error(`harness: ${expression} evaluated to nothing`);
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
