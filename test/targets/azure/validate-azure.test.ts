import { describe, expect, it } from "vitest";
import type { Finding } from "../../../src/diagnostics/finding.ts";
import { azureTarget } from "../../../src/targets/azure/azure-target.ts";
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

  it("says what is wrong and how to fix it", () => {
    const findings = azureTarget.validate(
      program(registryNode({ rules: ["2001:db8::/32", ...hosts(101)] }), registryNode({ name: "closedRegistry", publicAccess: "disabled", rules: ["192.0.2.0/24"] })),
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
    ]);
  });
});
