import { isDeepStrictEqual } from "node:util";
import { parse as parseTomlText } from "smol-toml";
import { parseAllDocuments } from "yaml";
import { FatalError } from "../diagnostics/fatal-error.js";
import type { Artifact } from "../output/artifact.js";

/**
 * Parses a rendered YAML or JSON artifact back and checks it still says what the emitter meant:
 * a template (bundled or overridden) may add keys, comments and annotations, but must not drop,
 * change or break anything. Runs before any file is written.
 */
export function checkArtifact(artifact: Artifact): void {
  if (artifact.format !== "yaml" && artifact.format !== "json" && artifact.format !== "toml") return;
  const parsed = artifact.format === "yaml" ? parseYaml(artifact) : artifact.format === "json" ? parseJson(artifact) : parseToml(artifact);
  if (artifact.expected === undefined) return;
  const difference = findDifference(parsed, artifact.expected, "");
  if (difference !== undefined) {
    throw new FatalError("config", `${artifact.path}: the rendered ${artifact.format.toUpperCase()} does not match what regfence emits (at ${difference || "the top level"}); check the template`);
  }
}

function parseYaml(artifact: Artifact): unknown[] {
  const documents = parseAllDocuments(artifact.content, { version: "1.2", uniqueKeys: true });
  const list = Array.isArray(documents) ? documents : [documents];
  for (const document of list) {
    const [problem] = document.errors;
    if (problem !== undefined) throw new FatalError("config", `${artifact.path}: the rendered YAML does not parse: ${detail(artifact, problem.message)}`);
  }
  try {
    return list.map((document) => document.toJS({ maxAliasCount: 0 }) as unknown).filter((document) => document !== null);
  } catch (error) {
    throw new FatalError("config", `${artifact.path}: the rendered YAML uses an alias, which regfence does not emit: ${detail(artifact, (error as Error).message)}`);
  }
}

function parseToml(artifact: Artifact): unknown {
  try {
    return parseTomlText(artifact.content) as unknown;
  } catch (error) {
    throw new FatalError("config", `${artifact.path}: the rendered TOML does not parse: ${detail(artifact, (error as Error).message)}`);
  }
}

/** A parser's message quotes the text around the problem: never for a file that holds secrets. */
function detail(artifact: Artifact, message: string): string {
  return artifact.secret === true ? "details withheld because the file holds secrets" : message;
}

function parseJson(artifact: Artifact): unknown {
  try {
    return JSON.parse(artifact.content) as unknown;
  } catch (error) {
    throw new FatalError("config", `${artifact.path}: the rendered JSON does not parse: ${detail(artifact, (error as Error).message)}`);
  }
}

/** The path of the first place `actual` lacks or contradicts `expected`; objects may have extra keys. */
export function findDifference(actual: unknown, expected: unknown, at: string): string | undefined {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return at;
    for (const [index, item] of expected.entries()) {
      const difference = findDifference(actual[index], item, `${at}[${index}]`);
      if (difference !== undefined) return difference;
    }
    return undefined;
  }
  if (typeof expected === "object" && expected !== null) {
    if (typeof actual !== "object" || actual === null || Array.isArray(actual)) return at;
    for (const [key, value] of Object.entries(expected)) {
      if (value === undefined) continue;
      const difference = findDifference((actual as Record<string, unknown>)[key], value, at === "" ? key : `${at}.${key}`);
      if (difference !== undefined) return difference;
    }
    return undefined;
  }
  return isDeepStrictEqual(actual, expected) ? undefined : at;
}
