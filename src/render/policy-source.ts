import type * as TsMorph from "ts-morph";
import { packageRequire } from "../package-root.js";
import { DraftCall, type DraftValue, EnvUse, type NetworkDraft, NetworkUse, PlaceUse, type PolicyDraft } from "./policy-draft.js";

/** A file `regfence import` writes, relative to the policy's directory. */
export interface GeneratedFile {
  readonly name: string;
  readonly content: string;
}

/** TypeScript's reserved words, which a network's constant must not be named. */
const reserved = new Set(
  "break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with as implements interface let package private protected public static yield await".split(" "),
);

/** `production-environment` → `productionEnvironment`, unique among `taken`. */
function constantName(name: string, taken: Set<string>): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter((word) => word !== "");
  let base = words.map((word, index) => (index === 0 ? word.charAt(0).toLowerCase() + word.slice(1) : word.charAt(0).toUpperCase() + word.slice(1))).join("") || "network";
  if (/^\d/.test(base) || reserved.has(base)) base = `network${base.charAt(0).toUpperCase()}${base.slice(1)}`;
  let candidate = base;
  for (let suffix = 2; taken.has(candidate); suffix++) candidate = `${base}${suffix}`;
  taken.add(candidate);
  return candidate;
}

/** A short value goes on one line; the formatter indents the rest. */
const maxInline = 72;

function propertyKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
}

/** The value as a TypeScript expression: strings as JSON literals, networks by their constant. */
function expression(value: DraftValue, constants: ReadonlyMap<string, string>): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value instanceof NetworkUse) {
    const constant = constants.get(value.name);
    if (constant === undefined) throw new Error(`the draft uses network ${value.name}, which it does not define`);
    return constant;
  }
  if (value instanceof EnvUse) return `fromEnv(${JSON.stringify(value.variable)})`;
  if (value instanceof PlaceUse) throw new Error(`the draft's address list ${value.place} was not factored into networks`);
  if (value instanceof DraftCall) return `${value.callee}(${value.args.map((arg) => expression(arg, constants)).join(", ")})`;
  if (Array.isArray(value)) {
    const items = (value as readonly DraftValue[]).map((item) => expression(item, constants));
    const inline = `[${items.join(", ")}]`;
    return inline.length <= maxInline && !inline.includes("\n") ? inline : `[\n${items.map((item) => `${item},`).join("\n")}\n]`;
  }
  const entries = Object.entries(value as { readonly [key: string]: DraftValue | undefined }).filter((entry): entry is [string, DraftValue] => entry[1] !== undefined);
  const fields = entries.map(([key, field]) => `${propertyKey(key)}: ${expression(field, constants)}`);
  const inline = `{ ${fields.join(", ")} }`;
  return fields.length === 0 ? "{}" : inline.length <= maxInline && !inline.includes("\n") ? inline : `{\n${fields.map((field) => `${field},`).join("\n")}\n}`;
}

/** Every DSL function a value calls, for the import list. */
function callees(value: DraftValue | undefined, into: Set<string>): Set<string> {
  if (value instanceof DraftCall) {
    into.add(value.callee);
    value.args.forEach((arg) => callees(arg, into));
  } else if (value instanceof EnvUse) into.add("fromEnv");
  else if (Array.isArray(value)) (value as readonly DraftValue[]).forEach((item) => callees(item, into));
  else if (typeof value === "object" && !(value instanceof NetworkUse) && !(value instanceof PlaceUse)) Object.values(value as Record<string, DraftValue | undefined>).forEach((field) => callees(field, into));
  return into;
}

function networkCall(network: NetworkDraft): string {
  return expression(new DraftCall("network", [network.name, network.rules.map((rule) => ({ cidr: rule.cidr, description: rule.description }))]), new Map());
}

/**
 * The TypeScript of a draft: the policy file and, when networks are shared, `networks.ts` beside
 * it, both built with ts-morph (imports, declarations, doc comments) and formatted by TypeScript's
 * formatter, so what `import` writes reads like a policy written by hand.
 */
export function policySource(draft: PolicyDraft, policyFile: string): GeneratedFile[] {
  // ts-morph (and the TypeScript it drives) is loaded only when a policy is generated; required,
  // not imported, as the one-file CLI runs in a vm.Script that has no dynamic import.
  const { IndentationText, Project, QuoteKind, VariableDeclarationKind } = packageRequire("ts-morph") as typeof TsMorph;
  const project = new Project({ useInMemoryFileSystem: true, manipulationSettings: { indentationText: IndentationText.TwoSpaces, quoteKind: QuoteKind.Double } });
  const taken = new Set<string>();
  const constants = new Map(draft.networks.map((network) => [network.name, constantName(network.name, taken)]));
  const shared = draft.networks.filter((network) => network.shared);
  const local = draft.networks.filter((network) => !network.shared);
  const files: GeneratedFile[] = [];
  const format = (file: ReturnType<typeof project.createSourceFile>): string => {
    file.formatText({ indentSize: 2, convertTabsToSpaces: true, ensureNewLineAtEndOfFile: true });
    return file.getFullText();
  };

  if (shared.length > 0) {
    const file = project.createSourceFile("networks.ts");
    file.addImportDeclaration({ moduleSpecifier: "regfence", namedImports: ["network"] });
    for (const network of shared) {
      file.addVariableStatement({
        isExported: true,
        declarationKind: VariableDeclarationKind.Const,
        declarations: [{ name: constants.get(network.name) ?? network.name, initializer: networkCall(network) }],
        docs: [`Imported network "${network.name}": ${network.rules.length} ${network.rules.length === 1 ? "rule" : "rules"}, used by several registries.`],
      });
    }
    files.push({ name: "networks.ts", content: format(file) });
  }

  const file = project.createSourceFile(policyFile);
  const used = new Set<string>(["definePolicy", ...(local.length > 0 ? ["network"] : [])]);
  for (const value of Object.values(draft.fields)) callees(value as DraftValue | undefined, used);
  file.addImportDeclaration({ moduleSpecifier: "regfence", namedImports: [...used].sort() });
  if (shared.length > 0) file.addImportDeclaration({ moduleSpecifier: "./networks.ts", namedImports: shared.map((network) => constants.get(network.name) ?? network.name) });
  for (const network of local) {
    file.addVariableStatement({ declarationKind: VariableDeclarationKind.Const, declarations: [{ name: constants.get(network.name) ?? network.name, initializer: networkCall(network) }] });
  }
  const fields: Record<string, DraftValue | undefined> = { name: draft.name, ...draft.fields };
  const comment = draft.comment.replaceAll("*/", "*\\/").split("\n").map((line) => ` * ${line}`.trimEnd());
  file.addExportAssignment({ isExportEquals: false, expression: `definePolicy(${expression(fields as DraftValue, constants)})`, leadingTrivia: `/**\n${comment.join("\n")}\n */\n` });
  files.push({ name: policyFile, content: format(file) });
  return files;
}
