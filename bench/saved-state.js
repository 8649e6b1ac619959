// Writes the state `regfence plan --from` reads, as the live systems would answer once they match
// an out dir: the OVH GET answers, `az acr show` output, Harbor's listings, `vic-machine inspect
// config` output and the cluster's manifests. Plan from it must find everything in sync.

import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const json = (value) => `${JSON.stringify(value, null, 2)}\n`;
const stamp = "2024-02-01T15:15:06Z";

/** @param {string} outDir a compiled out dir (with --secrets, so the pull Secrets exist) @param {string} stateDir */
export function writeSavedState(outDir, stateDir) {
  const from = (...parts) => path.join(outDir, ...parts);
  const to = (...parts) => {
    const file = path.join(stateDir, ...parts);
    mkdirSync(path.dirname(file), { recursive: true });
    return file;
  };
  const entries = (...parts) => (existsSync(from(...parts)) ? readdirSync(from(...parts)) : []);

  for (const registry of entries("ovh")) {
    for (const list of ["management", "registry"]) {
      const payload = JSON.parse(readFileSync(from("ovh", registry, `${list}.json`), "utf8"));
      writeFileSync(to("ovh", registry, `${list}.json`), json(payload.map((entry) => ({ ...entry, createdAt: stamp, updatedAt: stamp }))));
    }
  }
  for (const file of entries("azure").filter((name) => name.endsWith(".arm-properties.json"))) {
    const name = file.slice(0, -".arm-properties.json".length);
    const properties = JSON.parse(readFileSync(from("azure", file), "utf8"));
    const ruleSet = properties.networkRuleSet;
    writeFileSync(
      to("azure", `${name}.json`),
      json({
        name,
        sku: { name: "Premium", tier: "Premium" },
        publicNetworkAccess: properties.publicNetworkAccess,
        networkRuleBypassOptions: properties.networkRuleBypassOptions ?? "AzureServices",
        networkRuleSet: ruleSet === undefined ? null : { defaultAction: ruleSet.defaultAction, ipRules: ruleSet.ipRules.map((rule) => ({ action: "Allow", ipAddressOrRange: rule.value })) },
      }),
    );
  }
  for (const host of entries("harbor")) {
    const registries = JSON.parse(readFileSync(from("harbor", host, "registries.json"), "utf8")).map(({ credential: _credential, ...registry }, index) => ({ id: index + 1, ...registry }));
    const ids = new Map(registries.map((registry) => [registry.name, registry.id]));
    const projects = JSON.parse(readFileSync(from("harbor", host, "projects.json"), "utf8")).map((project, index) => ({
      project_id: index + 2,
      name: project.project_name,
      registry_id: ids.get(project.registry),
      metadata: project.metadata,
      repo_count: 0,
    }));
    writeFileSync(to("harbor", host, "registries.json"), json(registries));
    writeFileSync(to("harbor", host, "projects.json"), json([{ project_id: 1, name: "library", metadata: { public: "true" } }, ...projects]));
  }
  for (const file of entries("vic").filter((name) => name.endsWith(".flags"))) {
    const name = file.slice(0, -".flags".length);
    const flags = readFileSync(from("vic", file), "utf8").split("\n").filter((line) => line.startsWith("--") && !line.startsWith("--registry-ca="));
    writeFileSync(to("vic", `${name}.txt`), `--target=vcenter.example.com --name=${name} ${flags.join(" ")}\n`);
  }
  for (const [source, target] of [
    [["kubernetes", "kyverno"], "kyverno"],
    [["kubernetes", "kyverno-rbac"], "kyverno"],
    [["kubernetes", "secrets"], "credentials"],
    [["kubernetes", "external-secrets"], "credentials"],
  ]) {
    for (const file of entries(...source).filter((name) => name.endsWith(".yaml"))) cpSync(from(...source, file), to(target, file));
  }
}
