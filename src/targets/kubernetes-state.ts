import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { type Document, LineCounter, parseAllDocuments } from "yaml";
import { z } from "zod";
import { compareText } from "../diagnostics/diagnostic.js";
import { fieldName, issueText, MissingStateError, onFirstUse, positionOf, StateFileError, type StateFileProblem } from "./saved-state.js";
import { runTool, ToolError } from "./run-tool.js";
import type { AppliedItem, AppliedPart } from "./target-apply.js";
import { readEach, type StateSource } from "./target-state.js";

/** A Kubernetes object as `plan` keeps it: a Secret's values are dropped as it is read. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Readonly<Record<string, string>>; readonly annotations?: Readonly<Record<string, string>> };
  readonly [field: string]: unknown;
}

const objectShape = onFirstUse(() =>
  z.looseObject({
    apiVersion: z.string(),
    kind: z.string(),
    metadata: z.looseObject({
      name: z.string(),
      namespace: z.string().optional(),
      labels: z.record(z.string(), z.string()).nullish(),
      annotations: z.record(z.string(), z.string()).nullish(),
    }),
  }),
);

/** The label regfence puts on what it emits, and which `plan` takes as "made by regfence". */
export const managedBy = { key: "app.kubernetes.io/managed-by", value: "regfence" } as const;

/** What kubectl's `last-applied-configuration` holds: the whole object as applied, a Secret's data included. */
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration";

/**
 * Never keeps what a Secret holds: `data`, `stringData` and the last-applied annotation (which
 * repeats them) are dropped the moment an object is read, so no plan, import or message can show them.
 */
function withoutSecretValues(object: KubernetesObject): KubernetesObject {
  if (object.kind !== "Secret") return object;
  const { data: _data, stringData: _stringData, ...rest } = object;
  const { [lastApplied]: _applied, ...annotations } = object.metadata.annotations ?? {};
  return { ...rest, metadata: { ...object.metadata, ...(object.metadata.annotations === undefined ? {} : { annotations }) } } as KubernetesObject;
}

function normalised(value: z.infer<ReturnType<typeof objectShape>>): KubernetesObject {
  const { labels, annotations, ...metadata } = value.metadata;
  return withoutSecretValues({ ...value, metadata: { ...metadata, ...(labels == null ? {} : { labels }), ...(annotations == null ? {} : { annotations }) } } as KubernetesObject);
}

const manifestWhat = "Kubernetes manifests (kubectl get … -o yaml or -o json, a List or YAML documents)";

/**
 * A text of JSON values one after the other (what `kubectl … -f DIR -o json` prints for several
 * files), each with the line it starts on; any other text is one YAML stream starting on line 1.
 */
function jsonValues(text: string): { readonly text: string; readonly line: number }[] {
  if (!/^\s*[{[]/.test(text)) return [{ text, line: 1 }];
  const values: { text: string; line: number }[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  let line = 1;
  let startLine = 1;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === "\n") line++;
    if (inString) {
      if (char === "\\") index++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === "{" || char === "[") {
      if (depth++ === 0) {
        start = index;
        startLine = line;
      }
    } else if ((char === "}" || char === "]") && --depth === 0) values.push({ text: text.slice(start, index + 1), line: startLine });
  }
  // Unbalanced (truncated) input is left whole, for the parser to locate what is wrong.
  return depth === 0 && values.length > 0 ? values : [{ text, line: 1 }];
}

/** Where each object read from a file came from: the file, and the line of any field in it. */
const locations = new WeakMap<KubernetesObject, (path: readonly (string | number)[]) => { readonly file: string; readonly line: number; readonly column: number }>();

/**
 * Where a field of an object is, in the file it was read from (for messages located in the
 * input); an object read live is located at `fallback`, line 0.
 */
export function whereIs(object: KubernetesObject, path: readonly (string | number)[], fallback: string): { readonly file: string; readonly line: number; readonly column: number } {
  return locations.get(object)?.(path) ?? { file: fallback, line: 0, column: 0 };
}

/** The objects of one manifest text, `List`s flattened, each checked and located; problems are thrown together. */
export function parseManifests(text: string, shown: string): KubernetesObject[] {
  const problems: StateFileProblem[] = [];
  const objects: KubernetesObject[] = [];
  for (const value of jsonValues(text)) parseStream(value.text, value.line - 1, shown, objects, problems);
  if (problems.length > 0) throw new StateFileError(problems);
  return objects;
}

function parseStream(text: string, lineOffset: number, shown: string, objects: KubernetesObject[], problems: StateFileProblem[]): void {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: false });
  const at = (document: Document, path: readonly (string | number)[]) => positionOf(document, lineCounter, path, lineOffset);
  for (const document of Array.isArray(documents) ? documents : [documents]) {
    const [syntax] = document.errors;
    if (syntax !== undefined) {
      const [position] = syntax.linePos ?? [];
      problems.push({ file: shown, line: position === undefined ? 0 : position.line + lineOffset, column: position?.col ?? 0, message: `is not valid YAML or JSON (${syntax.message.split("\n")[0] ?? ""}); it should hold ${manifestWhat}` });
      continue;
    }
    const value = document.toJS() as unknown;
    if (value === null || value === undefined) continue;
    const isList = typeof value === "object" && !Array.isArray(value) && typeof (value as { kind?: unknown }).kind === "string" && (value as { kind: string }).kind.endsWith("List");
    const entries: [readonly (string | number)[], unknown][] = isList
      ? (((value as { items?: unknown }).items ?? []) as unknown[]).map((item, index) => [["items", index], item])
      : [[[], value]];
    for (const [prefix, entry] of entries) {
      const parsed = objectShape().safeParse(entry);
      if (parsed.success) {
        const object = normalised(parsed.data);
        locations.set(object, (path) => ({ file: shown, ...at(document, [...prefix, ...path]) }));
        objects.push(object);
      } else {
        for (const issue of parsed.error.issues.slice(0, 5)) {
          const path = [...prefix, ...(issue.path as (string | number)[])];
          problems.push({ file: shown, ...at(document, path), message: `${issueText(path, issue.message)}; it should hold ${manifestWhat}` });
        }
      }
    }
  }
}

/** Every manifest (`*.yaml`, `*.yml`, `*.json`) under a saved directory, in name order. */
export async function readSavedManifests(dir: string, shown: string): Promise<KubernetesObject[]> {
  const names = await readdir(dir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") throw new MissingStateError(shown, manifestWhat);
    throw error;
  });
  const files = names.filter((name) => /\.(ya?ml|json)$/.test(name)).sort(compareText);
  if (files.length === 0) throw new MissingStateError(`${shown}/*.yaml`, manifestWhat);
  const problems: StateFileProblem[] = [];
  const objects: KubernetesObject[] = [];
  for (const file of files) {
    try {
      objects.push(...parseManifests(await readFile(path.join(dir, file), "utf8"), `${shown}/${file.split(path.sep).join("/")}`));
    } catch (error) {
      if (!(error instanceof StateFileError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new StateFileError(problems);
  return objects;
}

/** Runs kubectl with the caller's environment (its kubeconfig and context); the output as text. */
export function kubectl(args: readonly string[], environment: Readonly<Record<string, string | undefined>>): Promise<string> {
  return runTool("kubectl", args, environment, { missing: "kubectl is not on PATH", shown: `kubectl ${args.slice(0, 2).join(" ")}` });
}

/**
 * The objects of each resource type in the cluster, all namespaces. A type the cluster does not
 * have (its CRD not installed) has no objects; any other failure is one.
 */
export async function liveObjects(resources: readonly string[], environment: Readonly<Record<string, string | undefined>>): Promise<KubernetesObject[]> {
  const objects: KubernetesObject[] = [];
  for (const resource of resources) {
    try {
      objects.push(...parseManifests(await kubectl(["get", resource, "--all-namespaces", "-o", "json"], environment), `kubectl get ${resource}`));
    } catch (error) {
      if (error instanceof ToolError && /doesn't have a resource type|the server could not find the requested resource/.test(error.said)) continue;
      throw error;
    }
  }
  return objects;
}

const apiGroup = (apiVersion: string): string => (apiVersion.includes("/") ? (apiVersion.split("/")[0] ?? "") : "");
/** Group, kind, namespace and name; `default` and no namespace are one (what a manifest without one is applied to). */
const identity = (object: KubernetesObject): string => {
  const namespace = object.metadata.namespace === "default" ? "" : (object.metadata.namespace ?? "");
  return `${apiGroup(object.apiVersion)}/${object.kind}/${namespace}/${object.metadata.name}`;
};
/** `ClusterPolicy proxy-cache-rewrite`, `Secret kcp-system/harbor-pull`. */
export const describeObject = (object: KubernetesObject): string => `${object.kind} ${object.metadata.namespace === undefined ? "" : `${object.metadata.namespace}/`}${object.metadata.name}`;

/**
 * Where `desired` and `live` differ, as paths: every field regfence writes must hold the same value
 * (lists element by element); fields the API server or a controller adds (defaults, status,
 * managedFields) are not regfence's and do not count.
 */
export function differingFields(desired: unknown, live: unknown, at: (string | number)[] = []): string[] {
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) return [fieldName(at)];
    return desired.flatMap((item, index) => differingFields(item, live[index], [...at, index]));
  }
  if (typeof desired === "object" && desired !== null) {
    if (typeof live !== "object" || live === null || Array.isArray(live)) return [fieldName(at)];
    return Object.entries(desired).flatMap(([key, value]) => differingFields(value, (live as Record<string, unknown>)[key], [...at, key]));
  }
  return desired === live ? [] : [fieldName(at)];
}

/** The most differing fields named per object: enough to find the edit. */
const maxFields = 3;

/**
 * One part per kind of the desired objects: those missing, those whose fields differ, and those
 * regfence made (its label) that no policy emits any more.
 */
export function compareObjects(desired: readonly KubernetesObject[], live: readonly KubernetesObject[], kinds: readonly string[]): AppliedPart[] {
  const liveById = new Map(live.map((object) => [identity(object), object]));
  const desiredIds = new Set(desired.map(identity));
  return kinds.map((kind): AppliedPart => {
    const wanted = desired.filter((object) => object.kind === kind);
    const lines: string[] = [];
    for (const object of wanted) {
      const found = liveById.get(identity(object));
      if (found === undefined) {
        lines.push(`+ ${describeObject(object)}`);
        continue;
      }
      const { apiVersion: _version, ...compared } = object;
      const fields = differingFields(compared, found);
      if (fields.length > 0) lines.push(`~ ${describeObject(object)}: ${fields.slice(0, maxFields).join(", ")}${fields.length > maxFields ? ` and ${fields.length - maxFields} more` : ""}`);
    }
    for (const object of live.filter((candidate) => candidate.kind === kind && candidate.metadata.labels?.[managedBy.key] === managedBy.value)) {
      if (!desiredIds.has(identity(object))) lines.push(`- ${describeObject(object)} (made by regfence; no policy emits it now)`);
    }
    const action = lines.length === 0 ? "in-sync" : "pending";
    const count = `${wanted.length} ${wanted.length === 1 ? "object" : "objects"}`;
    const sign = (mark: string) => lines.filter((line) => line.startsWith(mark)).length;
    return {
      part: kind,
      action,
      outcome: action === "in-sync" ? `in sync (${count})` : `${sign("+")} to create, ${sign("~")} to change, ${sign("-")} to delete: kubectl apply would change it (${count})`,
      lines,
      json: { kind, action, changes: lines },
    };
  });
}

/**
 * A cluster's state as one item (`cluster`), its objects read live or from saved manifests by
 * `read` and compared per kind with `desired`; `inspect` sees what was read (for warnings).
 */
export function readCluster(
  source: StateSource,
  desired: readonly KubernetesObject[],
  read: () => Promise<KubernetesObject[]>,
  problems: StateFileProblem[],
  inspect: (live: readonly KubernetesObject[]) => void = () => undefined,
): Promise<AppliedItem[]> {
  const where = source.kind === "live" ? "kubectl's current context" : `saved in ${source.shown}`;
  const kinds = [...new Set(desired.map((object) => object.kind))];
  const identify = () => ({ name: "cluster", where, json: { cluster: where } });
  return readEach(
    [source],
    identify,
    async () => {
      const live = await read();
      inspect(live);
      return { ...identify(), parts: compareObjects(desired, live, kinds), failure: undefined };
    },
    problems,
  );
}
