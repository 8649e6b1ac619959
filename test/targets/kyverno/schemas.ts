import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { repoRoot } from "../../helpers/run-cli.ts";

/** Upstream JSON Schemas (../shared/schemas/SOURCES.md): `$REGFENCE_SCHEMAS`, else `../shared/schemas`. */
const schemas = path.resolve(repoRoot, process.env["REGFENCE_SCHEMAS"] ?? "../shared/schemas");
const required = process.env["REGFENCE_REQUIRE_SCHEMAS"] === "1";

/** Whether schema tests run: the schemas are there, or they are required (and then fail when missing). */
export const schemasAvailable = existsSync(path.join(schemas, "kyverno.io", "clusterpolicy_v1.json")) || required;
if (!schemasAvailable) console.warn(`skipped: no Kyverno JSON Schemas at ${schemas} (set REGFENCE_SCHEMAS, or REGFENCE_REQUIRE_SCHEMAS=1 to fail)`);

/** The strict (datree) schemas: `additionalProperties: false` on every nested object. */
const schemaFiles: Record<string, string> = {
  ClusterPolicy: "kyverno.io/clusterpolicy_v1.json",
  MutatingPolicy: "policies.kyverno.io/mutatingpolicy_v1.json",
  ValidatingPolicy: "policies.kyverno.io/validatingpolicy_v1.json",
  GeneratingPolicy: "policies.kyverno.io/generatingpolicy_v1.json",
};

const validators = new Map<string, ValidateFunction>();

export function validator(kind: string): ValidateFunction {
  const file = schemaFiles[kind];
  if (file === undefined) throw new Error(`no schema for ${kind}`);
  let validate = validators.get(kind);
  if (validate === undefined) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    validators.set(kind, (validate = ajv.compile(JSON.parse(readFileSync(path.join(schemas, file), "utf8")) as object)));
  }
  return validate;
}

/** The schema errors of a document (none when it validates). */
export function schemaErrors(document: Record<string, unknown>): unknown[] {
  const validate = validator(String(document["kind"]));
  return validate(document) ? [] : [...(validate.errors ?? [])];
}
