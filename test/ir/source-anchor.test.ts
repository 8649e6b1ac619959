import { describe, expect, it } from "vitest";
import { argumentPath, fieldAnchor } from "../../src/ir/source-anchor.ts";

const call = { file: "policies/p.policy.ts", line: 3, column: 5, path: [] };

describe("where a field of a DSL call was written", () => {
  it.each([
    ["ovh-registry", "name", [0]],
    ["ovh-registry", "serviceName", [1, "serviceName"]],
    ["azure-registry", "resourceGroup", [1, "resourceGroup"]],
    ["container-host", "whitelist", [1, "whitelist"]],
    ["credential", "readOnly", [1, "readOnly"]],
    ["network", "name", [0]],
    ["network", "rules", [1]],
    ["policy", "name", [0, "name"]],
    ["harbor-proxy-cache", "host", [0, "host"]],
    ["secret-source", "variable", [0]],
  ] as const)("%s.%s is argument path %j", (kind, key, path) => {
    expect(argumentPath(kind, key)).toEqual(path);
  });

  it("anchors a node's field under its call, with any deeper path after it", () => {
    expect(fieldAnchor({ kind: "azure-registry", source: call }, "networks", 2)).toEqual({ ...call, path: [1, "networks", 2] });
  });
});
