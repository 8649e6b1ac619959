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

/** Kyverno's `resource` library (resource.Get) over the harness's cluster; `generator.Apply` records what it would create. */
class ResourceLibrary {
  readonly cluster: ReadonlyMap<string, JsonObject>;
  constructor(cluster: ReadonlyMap<string, JsonObject>) {
    this.cluster = cluster;
  }
}
class GeneratorLibrary {
  readonly applied: JsonObject[] = [];
}

const env = new Environment({ unlistedVariablesAreDyn: true, enableOptionalTypes: true, homogeneousAggregateLiterals: false })
  .registerType("ResourceLibrary", ResourceLibrary)
  .registerType("GeneratorLibrary", GeneratorLibrary)
  .registerFunction({
    name: "Get",
    receiverType: "ResourceLibrary",
    returnType: "map",
    params: ["apiVersion", "resource", "namespace", "name"].map((name) => ({ name, type: "string" })),
    handler: (library: ResourceLibrary, apiVersion: string, resource: string, namespace: string, name: string) => {
      const found = library.cluster.get(`${apiVersion}/${resource}/${namespace}/${name}`);
      if (found === undefined) throw new Error(`resource.Get: ${resource} ${namespace}/${name} not found`);
      return found;
    },
  })
  .registerFunction({
    name: "Apply",
    receiverType: "GeneratorLibrary",
    returnType: "bool",
    params: [
      { name: "namespace", type: "string" },
      { name: "resources", type: "list" },
    ],
    handler: (generator: GeneratorLibrary, namespace: string, resources: JsonObject[]) => {
      // Kyverno's generator.Apply creates each resource in the namespace, without the source's identity.
      for (const resource of resources) {
        const metadata = fromCel(resource["metadata"]) as JsonObject;
        generator.applied.push({ apiVersion: resource["apiVersion"], kind: resource["kind"], metadata: { name: metadata["name"], namespace } });
      }
      return true;
    },
  });

/**
 * Pod fields whose element or value the structured-merge-diff schema marks atomic
 * (client-go `applyconfigurations/internal/internal.go`): `imagePullSecrets` is associative by
 * name, but its element, `LocalObjectReference`, is `+structType=atomic`.
 */
const atomicPodPaths = new Set(["spec.imagePullSecrets[]"]);

/**
 * The API server's guard on ApplyConfiguration patches (`validatePatch`/`findAtomics` in
 * kubernetes/apiserver `pkg/admission/plugin/policy/mutating/patch/smd.go`): a patch may not set
 * any atomic struct, map or list, whatever its value.
 */
export function checkApplyConfiguration(patch: unknown, path = ""): void {
  if (atomicPodPaths.has(path) && patch !== null && typeof patch === "object") {
    throw new Error(`invalid ApplyConfiguration: may not mutate atomic arrays, maps or structs: .${path.replace("[]", "[0]")}`);
  }
  if (Array.isArray(patch)) for (const item of patch) checkApplyConfiguration(item, `${path}[]`);
  else if (patch !== null && typeof patch === "object") for (const [key, value] of Object.entries(patch)) checkApplyConfiguration(value, path === "" ? key : `${path}.${key}`);
}

/** RFC 6902 `add`, the only operation regfence's JSON patches use (an array's `-` appends). */
function applyJsonPatch(object: JsonObject, operations: readonly JsonObject[]): JsonObject {
  const result = structuredClone(object);
  for (const operation of operations) {
    if (operation["op"] !== "add") throw new Error(`harness: JSONPatch op ${String(operation["op"])}`);
    const segments = String(operation["path"]).split("/").slice(1).map((segment) => segment.replaceAll("~1", "/").replaceAll("~0", "~"));
    const last = segments.pop() as string;
    let parent: unknown = result;
    for (const segment of segments) {
      parent = (parent as JsonObject)[segment];
      if (parent === undefined) throw new Error(`JSONPatch: ${String(operation["path"])}: missing parent`);
    }
    if (Array.isArray(parent)) {
      if (last !== "-") throw new Error("harness: JSONPatch add at an index");
      parent.push(structuredClone(operation["value"]));
    } else (parent as JsonObject)[last] = structuredClone(operation["value"]);
  }
  return result;
}

/** The CEL variables of a request: `request.subResource` is "" when there is none. */
function scopeOf(request: AdmissionRequest, object: JsonObject): JsonObject {
  return { object, oldObject: request.oldObject ?? null, request: { operation: request.operation, namespace: request.namespace, subResource: request.subResource ?? "" } };
}

const knownSpec: Record<string, readonly string[]> = {
  MutatingPolicy: ["failurePolicy", "webhookConfiguration", "evaluation", "reinvocationPolicy", "autogen", "matchConstraints", "matchConditions", "mutations"],
  GeneratingPolicy: ["evaluation", "matchConstraints", "matchConditions", "variables", "generate"],
  ValidatingPolicy: ["validationActions", "failurePolicy", "webhookConfiguration", "evaluation", "autogen", "matchConstraints", "variables", "validations"],
};

/**
 * Admission through every CEL policy: mutating, then validating, then generating. `cluster`
 * holds the objects `resource.Get` can read (key `apiVersion/resource/namespace/name`).
 */
export function admitCel(policies: readonly Manifest[], request: AdmissionRequest, cluster: ReadonlyMap<string, JsonObject> = new Map()): AdmissionOutcome {
  checkRequest(request);
  let object = structuredClone(request.object);
  const failures: Violation[] = [];
  for (const policy of policies.filter((candidate) => candidate["kind"] === "MutatingPolicy")) {
    if (!matches(policy, { ...request, object })) continue;
    try {
      object = mutateWith(policy, request, object);
    } catch (error) {
      // One failing mutation discards the whole policy (Kyverno mpol `policy.go`); its failurePolicy decides the request.
      const name = String((policy["metadata"] as JsonObject)["name"]);
      if ((policy["spec"] as JsonObject)["failurePolicy"] !== "Ignore") failures.push({ policy: name, rule: "mutation", message: (error as Error).message, action: "Enforce" });
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
        const rule = String(validation["message"]).split(":")[0] ?? "";
        const message = validation["messageExpression"] === undefined ? String(validation["message"]) : run(String(validation["messageExpression"]), { ...scope, variables });
        if (typeof message !== "string") throw new Error("harness: a messageExpression must return a string");
        violations.push({ policy: String((policy["metadata"] as JsonObject)["name"]), rule, message, action });
      }
    }
  }
  violations.unshift(...failures);
  return { object, violations, admitted: !violations.some((violation) => violation.action === "Enforce"), generated: generate(policies, request, cluster) };
}

/** The policy's mutations in order, each seeing the previous one's result; any error fails the policy. */
function mutateWith(policy: JsonObject, request: AdmissionRequest, start: JsonObject): JsonObject {
  let object = start;
  for (const mutation of (policy["spec"] as JsonObject)["mutations"] as JsonObject[]) {
    if (mutation["patchType"] === "ApplyConfiguration") {
      const expression = String((mutation["applyConfiguration"] as JsonObject)["expression"]);
      checkRegexes(expression, object);
      const applied = run(desugarObjectConstruction(expression), scopeOf(request, object));
      checkApplyConfiguration(applied);
      object = strategicMerge(object as never, withoutEmptyLists(applied) as never) as JsonObject;
    } else if (mutation["patchType"] === "JSONPatch") {
      const expression = String((mutation["jsonPatch"] as JsonObject)["expression"]);
      checkRegexes(expression, object);
      const operations = run(desugarObjectConstruction(expression), scopeOf(request, object));
      if (!Array.isArray(operations)) throw new Error("harness: a JSONPatch expression must return a list");
      object = applyJsonPatch(object, operations as JsonObject[]);
    } else throw new Error(`harness: patchType ${String(mutation["patchType"])}`);
  }
  return object;
}

/**
 * GeneratingPolicies triggered by the request: their variables (with `resource.Get` over
 * `cluster`, keyed `apiVersion/resource/namespace/name`) and `generate` expressions.
 */
function generate(policies: readonly Manifest[], request: AdmissionRequest, cluster: ReadonlyMap<string, JsonObject>): Manifest[] {
  const generated: Manifest[] = [];
  for (const policy of policies.filter((candidate) => candidate["kind"] === "GeneratingPolicy")) {
    if (!matches(policy, request)) continue;
    const spec = policy["spec"] as JsonObject;
    const evaluation = spec["evaluation"] as { synchronize?: { enabled?: boolean }; generateExisting?: { enabled?: boolean } } | undefined;
    const generator = new GeneratorLibrary();
    const scope = { ...scopeOf(request, request.object as JsonObject), resource: new ResourceLibrary(cluster), generator };
    const variables: JsonObject = {};
    for (const variable of (spec["variables"] ?? []) as JsonObject[]) variables[String(variable["name"])] = runRaw(String(variable["expression"]), { ...scope, variables });
    for (const generation of spec["generate"] as JsonObject[]) runRaw(String(generation["expression"]), { ...scope, variables });
    for (const resource of generator.applied) generated.push({ ...resource, synchronized: evaluation?.synchronize?.enabled === true, forExisting: evaluation?.generateExisting?.enabled === true });
  }
  return generated;
}

const parsed = new Map<string, ReturnType<typeof env.parse>>();

function run(expression: string, context: JsonObject): unknown {
  return fromCel(runRaw(expression, context));
}

function runRaw(expression: string, context: JsonObject): unknown {
  let program = parsed.get(expression);
  if (program === undefined) parsed.set(expression, (program = env.parse(expression)));
  return program(context as never);
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
  if (policy["kind"] !== "GeneratingPolicy" && autogen?.podControllers?.controllers?.length !== 0) throw new Error("harness: autogen must be off (controllers: [])");
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
