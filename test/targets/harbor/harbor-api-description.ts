import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { parse } from "yaml";
import { repoRoot } from "../../helpers/run-cli.ts";

/**
 * Harbor's own API description (`harbor-api-v2.0-swagger.yaml`, see ../shared/schemas/SOURCES.md)
 * as a request checker: the operation must exist, every query parameter and header it is sent
 * must be one it declares and of its type, and the body must match its schema.
 */

export const harborSwaggerPath = path.resolve(repoRoot, process.env["REGFENCE_SCHEMAS"] ?? "../shared/schemas", "goharbor.io/harbor-api-v2.0-swagger.yaml");

interface Parameter {
  readonly name: string;
  readonly in: "query" | "header" | "path" | "body" | "formData";
  readonly type?: string;
  readonly required?: boolean;
  readonly maximum?: number;
  readonly schema?: object;
}

interface Operation {
  readonly template: string;
  readonly pattern: RegExp;
  readonly method: string;
  readonly parameters: readonly Parameter[];
  readonly body: ValidateFunction | undefined;
}

export interface HarborApiDescription {
  readonly basePath: string;
  /** Why Harbor's description does not allow the request; undefined when it does. */
  check(method: string, url: URL, headers: Readonly<Record<string, string | string[] | undefined>>, body: unknown): string | undefined;
}

let loaded: HarborApiDescription | undefined;

export function harborApiDescription(): HarborApiDescription {
  if (loaded !== undefined) return loaded;
  if (!existsSync(harborSwaggerPath)) throw new Error(`Harbor's API description is not at ${harborSwaggerPath} (set REGFENCE_SCHEMAS)`);
  const swagger = parse(readFileSync(harborSwaggerPath, "utf8")) as {
    basePath: string;
    paths: Record<string, Record<string, { parameters?: ({ $ref: string } | Parameter)[] }>>;
    parameters: Record<string, Parameter>;
    definitions: Record<string, object>;
  };
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  ajv.addSchema({ definitions: swagger.definitions }, "harbor");
  const resolve = (parameter: { $ref: string } | Parameter): Parameter =>
    "$ref" in parameter ? (swagger.parameters[parameter.$ref.replace("#/parameters/", "")] ?? { name: parameter.$ref, in: "header" }) : parameter;
  const operations: Operation[] = [];
  for (const [template, methods] of Object.entries(swagger.paths)) {
    const pattern = new RegExp(`^${template.replace(/[.]/g, "\\.").replace(/\{[^}]+\}/g, "([^/]+)")}$`);
    for (const [method, operation] of Object.entries(methods)) {
      if (method === "parameters") continue;
      const parameters = (operation.parameters ?? []).map(resolve);
      const schema = parameters.find((parameter) => parameter.in === "body")?.schema as { $ref?: string } | undefined;
      const body = schema === undefined ? undefined : schema.$ref === undefined ? ajv.compile(schema) : ajv.getSchema(schema.$ref.replace("#/", "harbor#/"));
      operations.push({ template, pattern, method: method.toUpperCase(), parameters, body });
    }
  }
  loaded = {
    basePath: swagger.basePath,
    check(method, url, headers, body) {
      const relative = url.pathname.startsWith(swagger.basePath) ? url.pathname.slice(swagger.basePath.length) : undefined;
      if (relative === undefined) return `${url.pathname} is not under ${swagger.basePath}`;
      const operation = operations.find((candidate) => candidate.method === method && candidate.pattern.test(relative));
      if (operation === undefined) return `Harbor has no ${method} ${relative}`;
      const declared = (where: Parameter["in"]) => operation.parameters.filter((parameter) => parameter.in === where);
      for (const [name, value] of url.searchParams) {
        const parameter = declared("query").find((candidate) => candidate.name === name);
        if (parameter === undefined) return `${method} ${operation.template} has no query parameter ${name}`;
        const problem = typed(parameter, value);
        if (problem !== undefined) return problem;
      }
      for (const parameter of declared("query")) {
        if (parameter.required === true && !url.searchParams.has(parameter.name)) return `${method} ${operation.template} needs the query parameter ${parameter.name}`;
      }
      for (const parameter of declared("header")) {
        const value = headers[parameter.name.toLowerCase()];
        if (typeof value === "string") {
          const problem = typed(parameter, value);
          if (problem !== undefined) return problem;
        }
      }
      const resourceNameHeader = headers["x-is-resource-name"];
      if (resourceNameHeader !== undefined && !declared("header").some((parameter) => parameter.name === "X-Is-Resource-Name")) {
        return `${method} ${operation.template} takes no X-Is-Resource-Name header`;
      }
      if (operation.body === undefined) return body === undefined ? undefined : `${method} ${operation.template} takes no body`;
      if (body === undefined) return `${method} ${operation.template} needs a body`;
      if (!operation.body(body)) return `${method} ${operation.template}: the body is not valid: ${ajv.errorsText(operation.body.errors)}`;
      return undefined;
    },
  };
  return loaded;
}

function typed(parameter: Parameter, value: string): string | undefined {
  switch (parameter.type) {
    case "integer":
      if (!/^-?\d+$/.test(value)) return `${parameter.name} must be an integer, not "${value}"`;
      if (parameter.maximum !== undefined && Number(value) > parameter.maximum) return `${parameter.name} may be at most ${parameter.maximum}, not ${value}`;
      return undefined;
    case "boolean":
      return value === "true" || value === "false" ? undefined : `${parameter.name} must be true or false, not "${value}"`;
    default:
      return undefined;
  }
}
