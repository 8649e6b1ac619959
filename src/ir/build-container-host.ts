import type { ContainerHost } from "../dsl/index.js";
import type { Findings } from "../diagnostics/finding.js";
import type { Anchoring } from "./anchoring.js";
import type { NetworkTable } from "./build-networks.js";
import type { ContainerHostNode, RegistryAddressNode } from "./model.js";
import { fileNameProblem } from "./names.js";

export function buildContainerHost(value: ContainerHost, networks: NetworkTable, anchors: Anchoring, findings: Findings): ContainerHostNode {
  const problem = fileNameProblem(value.name);
  if (problem !== undefined) findings.error("RF2101", anchors.at(value, ["name"]), `invalid container host name "${value.name}": ${problem}`);
  const addresses = (key: "insecureRegistries" | "vicRegistries"): RegistryAddressNode[] =>
    (value[key] ?? []).map((address, index) => ({ kind: "registry-address", address, network: null, source: anchors.at(value, [key, index]) }));
  const whitelist: RegistryAddressNode[] = [];
  (value.whitelist ?? []).forEach((entry, index) => {
    if (typeof entry === "string") {
      const at = anchors.at(value, ["whitelist", index]);
      if (networks.declares(entry)) {
        findings.warning(
          "RF2005",
          at,
          `whitelist entry "${entry}" is also the name of a network; it is whitelisted as a host name, not as the network's blocks`,
          `to whitelist the network, reference its value: whitelist: [${entry}]`,
        );
      }
      whitelist.push({ kind: "registry-address", address: entry, network: null, source: at });
      return;
    }
    for (const rule of networks.use(entry)?.rules ?? []) {
      whitelist.push({ kind: "registry-address", address: rule.block.cidr, network: rule.network, source: rule.source });
    }
  });
  return {
    kind: "container-host",
    name: value.name,
    whitelist,
    insecureRegistries: addresses("insecureRegistries"),
    registryCas: (value.registryCas ?? []).map((ca, index) =>
      typeof ca === "string"
        ? { kind: "registry-ca", file: ca, registry: null, source: anchors.at(value, ["registryCas", index]), registrySource: null }
        : {
            kind: "registry-ca",
            file: ca.file,
            registry: ca.registry ?? null,
            source: anchors.at(value, ["registryCas", index, "file"]),
            registrySource: ca.registry === undefined ? null : anchors.at(value, ["registryCas", index, "registry"]),
          },
    ),
    vicRegistries: addresses("vicRegistries"),
    source: anchors.at(value),
  };
}
