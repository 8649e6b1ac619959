import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { harborApiDescription, harborSwaggerPath } from "./harbor-api-description.ts";

/** The stand-in's checker refuses what Harbor's description does not allow, so a passing apply test means something. */
const required = process.env["REGFENCE_REQUIRE_SCHEMAS"] === "1";
const url = (pathAndQuery: string) => new URL(pathAndQuery, "http://127.0.0.1");

describe.runIf(existsSync(harborSwaggerPath) || required)("Harbor's API description as a request checker", () => {
  it.each([
    ["a listing page", "GET", "/api/v2.0/projects?page=2&page_size=100", {}, undefined, undefined],
    ["a proxy-cache project", "POST", "/api/v2.0/projects", {}, { project_name: "quay.io", registry_id: 3, metadata: { public: "false" } }, undefined],
    ["a metadata update by name", "PUT", "/api/v2.0/projects/quay.io", { "x-is-resource-name": "true" }, { metadata: { proxy_speed_kb: "10" } }, undefined],
    ["a page larger than Harbor serves", "GET", "/api/v2.0/projects?page_size=500", {}, undefined, "page_size may be at most 100, not 500"],
    ["a query parameter Harbor does not know", "GET", "/api/v2.0/registries?limit=5", {}, undefined, "GET /registries has no query parameter limit"],
    ["a path Harbor does not serve", "POST", "/api/v2.0/registry", {}, {}, "Harbor has no POST /registry"],
    ["metadata that is not strings", "POST", "/api/v2.0/projects", {}, { project_name: "x", metadata: { public: true } }, "POST /projects: the body is not valid: data/metadata/public must be string"],
    ["a registry update with a field it lacks", "PUT", "/api/v2.0/registries/3", {}, { url: 5 }, "PUT /registries/{id}: the body is not valid: data/url must be string"],
    ["a body where none is taken", "DELETE", "/api/v2.0/projects/x", {}, { force: true }, "DELETE /projects/{project_name_or_id} takes no body"],
    ["a flag that is not a boolean", "DELETE", "/api/v2.0/projects/x", { "x-is-resource-name": "yes" }, undefined, 'X-Is-Resource-Name must be true or false, not "yes"'],
  ] as const)("%s", (_, method, target, headers, body, expected) => {
    expect(harborApiDescription().check(method, url(target), headers, body)).toBe(expected);
  });
});
