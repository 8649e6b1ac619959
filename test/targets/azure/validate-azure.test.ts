import { describe, expect, it } from "vitest";
import type { Finding } from "../../../src/diagnostics/finding.ts";
import type { PolicyNode, ProgramNode } from "../../../src/ir/model.ts";
import { azureTarget } from "../../../src/targets/azure/azure-target.ts";
import { resourceGroupProblem } from "../../../src/targets/azure/validate-azure.ts";
import { program, registryNode, type RegistrySpec } from "./harness.ts";

/** `count` distinct IPv4 /32 rules. */
function hosts(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `10.0.${Math.floor(index / 256)}.${index % 256}/32`);
}

type Summary = Pick<Finding, "code" | "severity"> & { readonly path: Finding["at"]["path"] };

function summarise(findings: readonly Finding[]): Summary[] {
  return findings.map(({ code, severity, at }) => ({ code, severity, path: at.path }));
}

describe("azure validate", () => {
  const rows: ReadonlyArray<readonly [string, RegistrySpec, Summary[]]> = [
    ["selected networks with IPv4 rules", { rules: ["192.0.2.0/24", "198.51.100.7"] }, []],
    ["selected networks without rules (no public access at all)", { rules: [] }, []],
    ["a name Azure cannot have (too short)", { name: "acr" }, [{ code: "RF4001", severity: "error", path: [0] }]],
    ["a name Azure cannot have (a hyphen)", { name: "my-registry" }, [{ code: "RF4001", severity: "error", path: [0] }]],
    ["an IPv6 rule", { rules: ["192.0.2.0/24", "2001:db8::/32"] }, [{ code: "RF4002", severity: "error", path: [] }]],
    ["exactly 100 rules", { rules: hosts(100) }, []],
    ["101 rules", { rules: hosts(101) }, [{ code: "RF4003", severity: "error", path: [1, "networks"] }]],
    ["101 rules naming 100 blocks", { rules: [...hosts(100), "10.0.0.0"] }, []],
    ["disabled with rules", { publicAccess: "disabled", rules: ["192.0.2.0/24"] }, [{ code: "RF4004", severity: "warning", path: [1, "publicAccess"] }]],
    ["disabled without rules", { publicAccess: "disabled" }, []],
    ["all networks with rules", { publicAccess: "all-networks", rules: ["192.0.2.0/24"] }, [{ code: "RF4005", severity: "warning", path: [1, "publicAccess"] }]],
    ["all networks without rules", { publicAccess: "all-networks" }, []],
    ["a resource group with a space", { resourceGroup: "my group" }, [{ code: "RF4006", severity: "error", path: [1, "resourceGroup"] }]],
    ["a resource group ending in '.'", { resourceGroup: "rg." }, [{ code: "RF4006", severity: "error", path: [1, "resourceGroup"] }]],
    ["an empty resource group (the core's RF2107)", { resourceGroup: "" }, []],
    ["a subscription id", { subscription: "00000000-0000-0000-0000-000000000000" }, []],
    ["a subscription display name", { subscription: "Contoso Production (it's mine) ü" }, []],
    ["a subscription with a newline", { subscription: "Contoso\nProduction" }, [{ code: "RF4007", severity: "error", path: [1, "subscription"] }]],
    ["a subscription with a tab", { subscription: "Contoso\tProduction" }, [{ code: "RF4007", severity: "error", path: [1, "subscription"] }]],
    [
      "every problem at once",
      { name: "a-b", publicAccess: "disabled", rules: ["::/0", ...hosts(101)] },
      [
        { code: "RF4001", severity: "error", path: [0] },
        { code: "RF4002", severity: "error", path: [] },
        { code: "RF4003", severity: "error", path: [1, "networks"] },
        { code: "RF4004", severity: "warning", path: [1, "publicAccess"] },
      ],
    ],
  ];

  it.each(rows)("%s", (_, spec, expected) => {
    expect(summarise(azureTarget.validate(program(registryNode(spec))))).toEqual(expected);
  });

  it.each([
    ["myResourceGroup", undefined],
    ["rg_1-a.(prod)", undefined],
    ["Ressourcen-Grüppchen", undefined],
    ["a", undefined],
    ["r".repeat(90), undefined],
    ["r".repeat(91), "it is 91 characters long; Azure allows at most 90"],
    ["my group", "Azure allows only letters, digits, '_', '-', '.', '(' and ')'"],
    ["rg/other", "Azure allows only letters, digits, '_', '-', '.', '(' and ')'"],
    ["rg;rm", "Azure allows only letters, digits, '_', '-', '.', '(' and ')'"],
    ["rg\n", "Azure allows only letters, digits, '_', '-', '.', '(' and ')'"],
    ["rg.", "it ends with '.', which Azure does not allow"],
  ])("resource group %j: %s", (name, problem) => {
    expect(resourceGroupProblem(name)).toBe(problem);
  });

  it("refuses two spellings of one registry name across policies, once per later spelling", () => {
    const other = { file: "policies/other.policy.ts", line: 3, column: 5, path: [] };
    const input: ProgramNode = {
      policies: [
        ...program(registryNode({ name: "myReg1" })).policies,
        { ...(program().policies[0] as PolicyNode), name: "other", file: other.file, registries: [{ ...registryNode({ name: "myreg1" }), source: other }, registryNode({ name: "otherRegistry" })] },
      ],
    };
    expect(azureTarget.validate(input).map(({ code, severity, message, hint, at }) => ({ code, severity, message, hint, at }))).toEqual([
      {
        code: "RF4008",
        severity: "error",
        message: '"myreg1" and "myReg1" (policies/test.policy.ts) name the same Azure Container Registry: registry names are case-insensitive',
        hint: "declare the registry once, under one spelling; two reconcile scripts for one registry would undo each other's rules",
        at: { ...other, path: [0] },
      },
    ]);
  });

  it("leaves the same spelling twice to the core (RF2102)", () => {
    expect(azureTarget.validate(program(registryNode({ name: "myReg1" }), registryNode({ name: "myReg1" })))).toEqual([]);
  });

  it("says what is wrong and how to fix it", () => {
    const findings = azureTarget.validate(
      program(
        registryNode({ rules: ["2001:db8::/32", ...hosts(101)] }),
        registryNode({ name: "closedRegistry", publicAccess: "disabled", rules: ["192.0.2.0/24"] }),
        registryNode({ name: "thirdRegistry", resourceGroup: "my group", subscription: "Contoso\nProduction" }),
      ),
    );
    expect(findings.map(({ code, message, hint }) => ({ code, message, hint }))).toEqual([
      {
        code: "RF4002",
        message: "2001:db8::/32 is IPv6; Azure Container Registry IP rules accept IPv4 addresses and ranges only",
        hint: 'keep IPv6 ranges in a network that "myContainerRegistry" does not reference',
      },
      {
        code: "RF4003",
        message: '"myContainerRegistry" would hold 102 IP rules; Azure Container Registry allows at most 100',
        hint: "merge adjacent ranges into wider blocks, or reference fewer networks",
      },
      {
        code: "RF4004",
        message: 'public access to "closedRegistry" is disabled, so its IP rule has no effect',
        hint: 'use publicAccess "selected-networks" to apply them, or remove the networks',
      },
      {
        code: "RF4006",
        message: `"my group" is not a valid Azure resource group name: Azure allows only letters, digits, '_', '-', '.', '(' and ')'`,
        hint: "use the resource group's name as Azure shows it: 1 to 90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.'",
      },
      {
        code: "RF4007",
        message: 'the subscription of "thirdRegistry" contains a control character or line break, which no Azure subscription id or name has',
        hint: "write the subscription id (a GUID such as 00000000-0000-0000-0000-000000000000) or its display name, on one line",
      },
    ]);
  });
});
