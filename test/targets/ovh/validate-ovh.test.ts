import { describe, expect, it } from "vitest";
import type { OvhRegistryNode, ProgramNode } from "../../../src/ir/model.ts";
import { parseIpBlock } from "../../../src/ir/ip-block.ts";
import { definePolicy, network, type OvhAccess, ovhRegistry } from "../../../src/dsl/index.ts";
import type { Anchoring } from "../../../src/ir/anchoring.ts";
import { buildProgram } from "../../../src/ir/build-program.ts";
import { ovhTarget } from "../../../src/targets/ovh/ovh-target.ts";

const source = { file: "policies/test.policy.ts", line: 1, column: 1, path: [] };

function registry(ids: { serviceName?: string; registryId?: string }): OvhRegistryNode {
  const parsed = parseIpBlock("192.0.2.0/24");
  if (!parsed.ok) throw new Error(parsed.message);
  const rules = [{ kind: "ip-rule" as const, block: parsed.block, written: "192.0.2.0/24", description: "office", network: "office", source }];
  const access = { kind: "ovh-access" as const, open: false, rules, complete: true, source };
  return {
    kind: "ovh-registry",
    name: "mpr-prod",
    serviceName: ids.serviceName ?? "0123456789abcdef0123456789abcdef",
    registryId: ids.registryId ?? "3f8e2d4c-9b1a-4c6e-8d2f-7a5b3c1e9f04",
    endpoint: "ovh-eu",
    management: access,
    registry: access,
    source,
  };
}

function program(node: OvhRegistryNode): ProgramNode {
  return { policies: [{ kind: "policy", name: "test", file: source.file, source, networks: [], proxyCache: null, admission: null, registries: [node], containerHosts: [], credentials: [], tests: [] }] };
}

const findings = (ids: { serviceName?: string; registryId?: string }) => ovhTarget.validate(program(registry(ids))).map(({ code, at }) => ({ code, path: at.path }));

describe("ovh validate: the ids that become API path segments", () => {
  it.each([
    ["a project id and a registry id", {}, []],
    ["an upper-case registry id (UUIDs are case-insensitive)", { registryId: "3F8E2D4C-9B1A-4C6E-8D2F-7A5B3C1E9F04" }, []],
    ["empty values (the core's RF2107)", { serviceName: "", registryId: " " }, []],
    ["serviceName '..', which URL normalisation would resolve away", { serviceName: ".." }, [{ code: "RF5003", path: [1, "serviceName"] }]],
    ["serviceName in upper case", { serviceName: "0123456789ABCDEF0123456789ABCDEF" }, [{ code: "RF5003", path: [1, "serviceName"] }]],
    ["serviceName one digit short", { serviceName: "0123456789abcdef0123456789abcde" }, [{ code: "RF5003", path: [1, "serviceName"] }]],
    ["serviceName with a path", { serviceName: "0123456789abcdef0123456789abcdef/x" }, [{ code: "RF5003", path: [1, "serviceName"] }]],
    ["registryId '.'", { registryId: "." }, [{ code: "RF5004", path: [1, "registryId"] }]],
    ["registryId without dashes", { registryId: "3f8e2d4c9b1a4c6e8d2f7a5b3c1e9f04" }, [{ code: "RF5004", path: [1, "registryId"] }]],
    [
      "both wrong",
      { serviceName: "svc", registryId: "reg" },
      [
        { code: "RF5003", path: [1, "serviceName"] },
        { code: "RF5004", path: [1, "registryId"] },
      ],
    ],
  ])("%s", (_, ids, expected) => {
    expect(findings(ids)).toEqual(expected);
  });

  it("says what is wrong and where to find the right value", () => {
    const reported = ovhTarget.validate(program(registry({ serviceName: "..", registryId: "reg" })));
    expect(reported.map(({ code, severity, message, hint }) => ({ code, severity, message, hint }))).toEqual([
      {
        code: "RF5003",
        severity: "error",
        message: 'serviceName ".." of OVH registry "mpr-prod" is not a Public Cloud project id (32 lowercase hexadecimal digits)',
        hint: "copy the project id from the OVHcloud Control Panel (shown under the project's name) or from GET /cloud/project",
      },
      {
        code: "RF5004",
        severity: "error",
        message: 'registryId "reg" of OVH registry "mpr-prod" is not a registry id (a UUID such as 3f8e2d4c-9b1a-4c6e-8d2f-7a5b3c1e9f04)',
        hint: "copy the id from the registry's page in the Control Panel, or from GET /cloud/project/{serviceName}/containerRegistry",
      },
    ]);
  });
});

describe("ovh validate: descriptions as the API takes them (audit R8)", () => {
  const withDescription = (description: string): OvhRegistryNode => {
    const node = registry({});
    const rules = node.management.rules.map((rule) => ({ ...rule, description, source: { ...source, path: [1, "rules", 0, "cidr"] } }));
    const access = { ...node.management, rules };
    return { ...node, management: access, registry: access };
  };
  const found = (description: string) => ovhTarget.validate(program(withDescription(description))).map(({ code, at }) => ({ code, path: at.path }));

  it.each([
    ["plain text", "head office, 2nd floor", []],
    ["255 characters", "x".repeat(255), []],
    ["a line break", "office\nrm -rf /", [{ code: "RF5005", path: [1, "rules", 0, "description"] }]],
    ["a tab", "office\tlan", [{ code: "RF5005", path: [1, "rules", 0, "description"] }]],
    ["an escape sequence", "office\u001b[31m", [{ code: "RF5005", path: [1, "rules", 0, "description"] }]],
    ["256 characters", "x".repeat(256), [{ code: "RF5006", path: [1, "rules", 0, "description"] }]],
  ])("%s, reported once though both lists use the network", (_, description, expected) => {
    expect(found(description)).toEqual(expected);
  });
});

describe("ovh validate: no cascade after a problem reported already (audit R3)", () => {
  const anchoring: Anchoring = { at: (_root, path) => ({ file: "policies/p.policy.ts", line: 1, column: 1, path: [...(path ?? [])] }) };
  const codes = (management: OvhAccess) => {
    const office = network("office", [{ cidr: "10.0.0.1/8", description: "bad host bits" }]);
    const value = definePolicy({ name: "p", networks: [office], registries: [ovhRegistry("mpr", { serviceName: "0123456789abcdef0123456789abcdef", registryId: "3f8e2d4c-9b1a-4c6e-8d2f-7a5b3c1e9f04", management, registry: "open" })] });
    const { program, findings } = buildProgram([{ file: "policies/p.policy.ts", value, anchors: anchoring }], { cwd: "/repo", projectRoot: "/repo" });
    return [...findings, ...ovhTarget.validate(program)].map((finding) => finding.code);
  };

  it("no RF5001 after an unknown network or a network whose only rule is wrong; a truly empty list gets it", () => {
    expect(codes(["nowhere"]).sort()).toEqual(["RF2002", "RF2103"]);
    expect(codes(["office"])).toEqual(["RF2002"]);
    expect(codes([]).sort()).toEqual(["RF2002", "RF5001"]);
  });
});
