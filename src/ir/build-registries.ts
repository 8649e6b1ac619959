import type { ManagedRegistry, OvhAccess } from "../dsl/index.js";
import type { Findings } from "../diagnostics/finding.js";
import type { Anchoring } from "./anchoring.js";
import { assertNever } from "./assert-never.js";
import type { NetworkTable } from "./build-networks.js";
import type { OvhAccessNode, RegistryNode } from "./model.js";
import { fileNameProblem } from "./names.js";

export function buildRegistry(value: ManagedRegistry, networks: NetworkTable, anchors: Anchoring, findings: Findings): RegistryNode {
  const problem = fileNameProblem(value.name);
  if (problem !== undefined) findings.error("RF2101", anchors.at(value, ["name"]), `invalid registry name "${value.name}": ${problem}`);
  for (const key of ["resourceGroup", "subscription", "serviceName", "registryId"] as const) {
    const text = (value as Partial<Record<typeof key, string>>)[key];
    if (text !== undefined && text.trim() === "") findings.error("RF2107", anchors.at(value, [key]), `\`${key}\` is empty`);
  }
  switch (value.kind) {
    case "azure-registry":
      return {
        kind: "azure-registry",
        name: value.name,
        resourceGroup: value.resourceGroup,
        subscription: value.subscription ?? null,
        publicAccess: value.publicAccess ?? "selected-networks",
        trustedServices: value.trustedServices ?? true,
        rules: networks.resolve(value.networks ?? [], value, ["networks"]),
        source: anchors.at(value),
      };
    case "ovh-registry": {
      const access = (key: "management" | "registry", written: OvhAccess): OvhAccessNode => {
        const resolved = written === "open" ? { rules: [], complete: true } : networks.resolveList(written, value, [key]);
        return { kind: "ovh-access", open: written === "open", rules: resolved.rules, complete: resolved.complete, source: anchors.at(value, [key]) };
      };
      return {
        kind: "ovh-registry",
        name: value.name,
        serviceName: value.serviceName,
        registryId: value.registryId,
        endpoint: value.endpoint ?? null,
        management: access("management", value.management),
        registry: access("registry", value.registry),
        source: anchors.at(value),
      };
    }
    default:
      return assertNever(value);
  }
}
