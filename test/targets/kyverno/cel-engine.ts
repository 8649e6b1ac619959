import { Environment } from "@marcbachmann/cel-js";
import { RE2JS } from "re2js";
import { checkRequest, storedObject, strategicMerge } from "./kyverno-engine.ts";
import type { AdmissionOutcome, AdmissionRequest, Manifest, Violation } from "./kyverno-engine.ts";

/**
 * Runs regfence's CEL policies (MutatingPolicy, ValidatingPolicy) with a real CEL implementation
 * (@marcbachmann/cel-js). The variables are Kubernetes': `object`, `oldObject`, `request`, and a
 * ValidatingPolicy's `variables`; a policy's `matchConditions` decide whether it runs, after its
 * `matchConstraints`. Every policy given applies to every request, as in the cluster. No custom
 * functions are registered: the policies use standard
 * CEL and the Kubernetes string extensions cel-js also has (`matches`, `startsWith`, `contains`,
 * `indexOf`, `substring`) plus optional field selection (`.?x.orValue(…)`).
 *
 * Two adaptations, both checked rather than assumed:
 * - cel-js cannot construct messages (`Object.spec{name: …}`), which apply configurations need;
 *   {@link desugarObjectConstruction} rewrites each construction to a map literal with the same
 *   fields, a purely syntactic step.
 * - cel-js `matches` uses JavaScript's RegExp where Kubernetes uses RE2; every regex literal of a
 *   policy is compiled with RE2 and, for each image of the Pod, RE2 and RegExp must agree.
 */

type JsonObject = { [key: string]: unknown };

const env = new Environment({ unlistedVariablesAreDyn: true, enableOptionalTypes: true, homogeneousAggregateLiterals: false });

/** The CEL variables of a request: `request.subResource` is "" when there is none. */
function scopeOf(request: AdmissionRequest, object: JsonObject): JsonObject {
  return { object, oldObject: request.oldObject ?? null, request: { operation: request.operation, namespace: request.namespace, subResource: request.subResource ?? "" } };
}

const knownSpec: Record<string, readonly string[]> = {
  MutatingPolicy: ["failurePolicy", "webhookConfiguration", "evaluation", "reinvocationPolicy", "autogen", "matchConstraints", "matchConditions", "mutations"],
  ValidatingPolicy: ["validationActions", "failurePolicy", "webhookConfiguration", "evaluation", "autogen", "matchConstraints", "variables", "validations"],
};

export function admitCel(policies: readonly Manifest[], request: AdmissionRequest): AdmissionOutcome {
  checkRequest(request);
  let object = structuredClone(request.object);
  for (const policy of policies.filter((candidate) => candidate["kind"] === "MutatingPolicy")) {
    if (!matches(policy, { ...request, object })) continue;
    for (const mutation of (policy["spec"] as JsonObject)["mutations"] as JsonObject[]) {
      if (mutation["patchType"] !== "ApplyConfiguration") throw new Error(`harness: patchType ${String(mutation["patchType"])}`);
      const expression = String((mutation["applyConfiguration"] as JsonObject)["expression"]);
      checkRegexes(expression, object);
      const applied = run(desugarObjectConstruction(expression), scopeOf(request, object));
      object = strategicMerge(object as never, withoutEmptyLists(applied) as never) as JsonObject;
    }
  }
  object = storedObject(request, object) as JsonObject;
  const violations: Violation[] = [];
  for (const policy of policies.filter((candidate) => candidate["kind"] === "ValidatingPolicy")) {
    if (!matches(policy, { ...request, object })) continue;
    const spec = policy["spec"] as JsonObject;
    const scope = scopeOf(request, object);
    const variables: JsonObject = {};
    for (const variable of (spec["variables"] ?? []) as JsonObject[]) variables[String(variable["name"])] = run(String(variable["expression"]), { ...scope, variables });
    const action = (spec["validationActions"] as string[]).includes("Deny") ? "Enforce" : "Audit";
    for (const validation of spec["validations"] as JsonObject[]) {
      const expression = String(validation["expression"]);
      checkRegexes(expression, object);
      const result = run(expression, { ...scope, variables });
      if (typeof result !== "boolean") throw new Error(`harness: validation returned ${typeof result}`);
      if (!result) {
        const message = String(validation["message"]);
        violations.push({ policy: String((policy["metadata"] as JsonObject)["name"]), rule: message.slice(0, message.indexOf(":")), message, action });
      }
    }
  }
  return { object, violations, admitted: !violations.some((violation) => violation.action === "Enforce") };
}

const parsed = new Map<string, ReturnType<typeof env.parse>>();

function run(expression: string, context: JsonObject): unknown {
  let program = parsed.get(expression);
  if (program === undefined) parsed.set(expression, (program = env.parse(expression)));
  return fromCel(program(context as never));
}

/** cel-js returns integers as bigint; the Pod model is JSON. */
function fromCel(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(fromCel);
  if (value instanceof Map) return Object.fromEntries([...value].map(([key, item]) => [key, fromCel(item)]));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fromCel(item)]));
  return value;
}

/** Pods, CREATE/UPDATE, autogen off, namespaces excluded by `kubernetes.io/metadata.name NotIn`, then every match condition. */
function matches(policy: JsonObject, request: AdmissionRequest): boolean {
  const spec = policy["spec"] as JsonObject;
  const keys = knownSpec[String(policy["kind"])] ?? [];
  const unknown = Object.keys(spec).filter((key) => !keys.includes(key));
  if (unknown.length > 0) throw new Error(`harness: ${String(policy["kind"])} uses ${unknown.join(", ")}, which the harness does not implement`);
  const autogen = spec["autogen"] as { podControllers?: { controllers?: unknown[] } } | undefined;
  if (autogen?.podControllers?.controllers?.length !== 0) throw new Error("harness: autogen must be off (controllers: [])");
  const constraints = spec["matchConstraints"] as JsonObject;
  const rules = constraints["resourceRules"] as { operations: string[]; resources: string[] }[];
  const resource = `${String(request.object["kind"]).toLowerCase()}s`;
  const selected = rules.some((rule) => rule.resources.includes(resource) && rule.operations.includes(request.operation));
  const selector = constraints["namespaceSelector"] as { matchExpressions: { key: string; operator: string; values: string[] }[] } | undefined;
  const excluded = (selector?.matchExpressions ?? []).some((expression) => {
    if (expression.key !== "kubernetes.io/metadata.name" || expression.operator !== "NotIn") throw new Error("harness: only kubernetes.io/metadata.name NotIn is implemented");
    return expression.values.includes(request.namespace);
  });
  if (!selected || excluded) return false;
  const conditions = (spec["matchConditions"] ?? []) as { name: string; expression: string }[];
  return conditions.every((condition) => {
    const result = run(condition.expression, scopeOf(request, request.object as JsonObject));
    if (typeof result !== "boolean") throw new Error(`harness: match condition ${condition.name} returned ${typeof result}`);
    return result;
  });
}

/**
 * An apply configuration sets only what it names: an empty list for an absent list adds nothing
 * (Pod lists are omitted when empty), so the harness drops empty lists before merging by name.
 */
function withoutEmptyLists(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmptyLists);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).filter(([, item]) => !(Array.isArray(item) && item.length === 0)).map(([key, item]) => [key, withoutEmptyLists(item)]));
  }
  return value;
}

const regexPairs = new Map<string, { re2: RE2JS; js: RegExp }>();

/** Every `r'…'` regex must compile as RE2 and agree with RegExp on each image of the Pod. */
function checkRegexes(expression: string, object: JsonObject): void {
  const spec = object["spec"] as JsonObject;
  const images = ["containers", "initContainers", "ephemeralContainers"].flatMap((list) => ((spec[list] ?? []) as { image: string }[]).map((container) => container.image));
  for (const [, regex = ""] of expression.matchAll(/\.matches\(r'([^']*)'\)/g)) {
    let pair = regexPairs.get(regex);
    if (pair === undefined) regexPairs.set(regex, (pair = { re2: RE2JS.compile(regex), js: new RegExp(regex) }));
    const { re2, js } = pair;
    for (const image of images) {
      if (re2.test(image) !== js.test(image)) throw new Error(`harness: RE2 and RegExp disagree on ${regex} for ${image}`);
    }
  }
}

/**
 * `Object.spec{name: x}` → `{"name": x}`: CEL message construction (a dotted type name followed by
 * `{` and `field: value` pairs) as a map literal with the same keys. Strings are skipped intact.
 */
export function desugarObjectConstruction(expression: string): string {
  let out = "";
  const stack: ("message" | "other")[] = [];
  let expectField = false;
  let index = 0;
  while (index < expression.length) {
    const rest = expression.slice(index);
    const string = /^r?'[^']*'|^r?"[^"]*"/.exec(rest);
    if (string !== null) {
      out += string[0];
      index += string[0].length;
      expectField = false;
      continue;
    }
    const typeName = /^(?<![\w.])(Object(?:\.\w+)*|JSONPatch)\s*\{/.exec(rest);
    if (typeName !== null && !/[\w.]$/.test(out)) {
      out += "{";
      stack.push("message");
      expectField = true;
      index += typeName[0].length;
      continue;
    }
    if (expectField) {
      const field = /^(\s*)([A-Za-z_]\w*)\s*:/.exec(rest);
      if (field !== null) {
        out += `${field[1] ?? ""}"${field[2] ?? ""}":`;
        index += field[0].length;
        expectField = false;
        continue;
      }
      expectField = /^\s/.test(rest);
    }
    const char = expression[index] ?? "";
    if (char === "{" || char === "(" || char === "[") stack.push("other");
    if (char === "}" || char === ")" || char === "]") stack.pop();
    if (char === "," && stack.at(-1) === "message") expectField = true;
    out += char;
    index += 1;
  }
  return out;
}
