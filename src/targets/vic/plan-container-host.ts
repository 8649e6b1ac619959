import { compareText } from "../../diagnostics/diagnostic.js";
import { type Finding, Findings } from "../../diagnostics/finding.js";
import type { ContainerHostNode, RegistryAddressNode, RegistryCaNode } from "../../ir/model.js";
import { fieldAnchor } from "../../ir/source-anchor.js";
import type { SourceAnchor } from "../../diagnostics/source-anchor.js";
import { caFileProblem, type RegistryArgument } from "./flags-file.js";
import { compareEntries, covers, type EntryProblem, entryKey, parseRegistryEntry, type RegistryEntry, sameServer } from "./registry-entry.js";
import type { DiagnosticCode } from "../../diagnostics/catalogue.js";

/** What vic-machine gets for one VCH, in the order every artifact prints it. */
export interface ContainerHostPlan {
  readonly name: string;
  /** `--whitelist-registry` (insecure registries included in whitelist mode), `--insecure-registry`, `--registry-ca`; each group sorted, without repeats. */
  readonly arguments: readonly RegistryArgument[];
}

interface Parsed {
  readonly entry: RegistryEntry;
  readonly source: SourceAnchor;
}

const problemCodes: Readonly<Record<EntryProblem, DiagnosticCode>> = { invalid: "RF6001", list: "RF6002", url: "RF6003", prefix: "RF6005" };

/**
 * vic-machine `--name` takes at most 31 characters from letters, digits, space and `-_()`
 * (`create.go`). The core's file-safe rule (RF2101) already allows only letters, digits and
 * `._-`, so what is left to check is the length and the `.`.
 */
const maxVicNameLength = 31;

function vicNameProblem(name: string): string | undefined {
  const problems = [
    ...(name.length > maxVicNameLength ? [`it is ${name.length} characters long, more than ${maxVicNameLength}`] : []),
    ...(name.includes(".") ? ["it contains '.'"] : []),
  ];
  return problems.length === 0 ? undefined : problems.join(" and ");
}

/**
 * Checks one container host by vic-machine's rules and computes its registry arguments. Validation
 * and emission both call this, so what is checked is exactly what is written.
 */
export function planContainerHost(host: ContainerHostNode): { readonly plan: ContainerHostPlan; readonly findings: readonly Finding[] } {
  const findings = new Findings();
  const nameProblem = vicNameProblem(host.name);
  if (nameProblem !== undefined) {
    findings.error(
      "RF6040",
      fieldAnchor(host, "name"),
      `vic-machine refuses the VCH name "${host.name}": ${nameProblem}`,
      `rename the container host (its name is the VCH's --name): at most ${maxVicNameLength} characters, without '.'`,
    );
  }
  const whitelist = parseList(host.whitelist, "whitelist", findings);
  const vicRegistries = parseList(host.vicRegistries, "vicRegistries", findings).filter((item) => singleServer(item, "vic", findings));
  const insecure = parseList(host.insecureRegistries, "insecureRegistries", findings).filter((item) => {
    if (!singleServer(item, "insecure", findings)) return false;
    const vic = vicRegistries.find((candidate) => sameServer(candidate.entry, item.entry));
    if (vic === undefined) return true;
    findings.error(
      "RF6013",
      item.source,
      `${item.entry.text} is a vSphere Integrated Containers Registry${vic.entry.text === item.entry.text ? "" : ` (${vic.entry.text})`}, which accepts only HTTPS with a verified certificate: it cannot be an insecure registry`,
      "remove it from insecureRegistries and give its CA in registryCas (the Registry Root Cert from the Management Portal)",
    );
    return false;
  });

  const whitelistMode = host.whitelist.length > 0;
  const effective = [...whitelist];
  for (const item of whitelist) {
    const { entry } = item;
    if ((entry.kind === "host" || entry.kind === "ip") && entry.port === 443) {
      const bare = entry.text.slice(0, entry.text.lastIndexOf(":"));
      findings.warning(
        "RF6031",
        item.source,
        `whitelist entry ${entry.text} admits only pulls that name the port (docker pull ${entry.text}/…): vic-machine does not read "${bare}" as "${entry.text}"`,
        `write "${bare}" to admit the registry on every port, or pull as ${entry.text}/…`,
      );
    }
  }
  if (whitelistMode) {
    for (const item of insecure) {
      if (whitelist.some((listed) => covers(listed.entry, item.entry))) continue;
      effective.push(item);
      findings.info(
        "RF6012",
        item.source,
        `insecure registry ${item.entry.text} joins the whitelist: vic-machine adds insecure registries to a non-empty whitelist, so regfence emits --whitelist-registry=${item.entry.text} too`,
        "nothing to do; add it to `whitelist` as well if the policy should say so itself",
      );
    }
  }
  const whitelisted = (target: RegistryEntry): boolean => !whitelistMode || effective.some((item) => covers(item.entry, target));

  const caFiles = checkCas(host.registryCas, whitelisted, findings);
  checkVicRegistries(vicRegistries, host.registryCas, whitelisted, findings);
  reportApexes(whitelist, [...caRegistries(host.registryCas), ...vicRegistries], whitelisted, findings);

  const sorted = (items: readonly Parsed[]): string[] => [...items].sort((a, b) => compareEntries(a.entry, b.entry)).map((item) => item.entry.text);
  const argumentsInOrder: RegistryArgument[] = [
    ...sorted(effective).map((value) => ({ flag: "--whitelist-registry" as const, value })),
    ...sorted(insecure).map((value) => ({ flag: "--insecure-registry" as const, value })),
    ...caFiles.map((value) => ({ flag: "--registry-ca" as const, value })),
  ];
  return { plan: { name: host.name, arguments: argumentsInOrder }, findings: findings.all };
}

/** Parses a list, reporting each bad entry and each repeat; returns the entries once each. */
function parseList(nodes: readonly RegistryAddressNode[], list: string, findings: Findings): Parsed[] {
  const seen = new Map<string, Parsed>();
  for (const node of nodes) {
    const entry = parseEntry(node.address, node.source, findings);
    if (entry === undefined) continue;
    const key = entryKey(entry);
    if (seen.has(key)) {
      findings.warning("RF6006", node.source, `${entry.text} is listed twice in ${list}`, "remove the repeat; it is emitted once");
      continue;
    }
    seen.set(key, { entry, source: node.source });
  }
  return [...seen.values()];
}

function parseEntry(address: string, at: SourceAnchor, findings: Findings): RegistryEntry | undefined {
  const parsed = parseRegistryEntry(address);
  if (!parsed.ok) {
    findings.error(problemCodes[parsed.problem], at, parsed.message, parsed.hint);
    return undefined;
  }
  if (parsed.hostBitsWritten !== undefined) {
    findings.warning(
      "RF6004",
      at,
      `${JSON.stringify(parsed.hostBitsWritten)} has host bits set; vic-machine stores it as ${parsed.entry.text}, which regfence emits`,
      `write "${parsed.entry.text}"`,
    );
  }
  return parsed.entry;
}

/** Insecure registries and VIC Registries are servers: vic rejects a CIDR insecure entry, and neither can be a range. */
function singleServer(item: Parsed, role: "insecure" | "vic", findings: Findings): boolean {
  const { entry } = item;
  if (entry.kind !== "cidr" && entry.kind !== "wildcard") return true;
  const form = entry.kind === "cidr" ? "a CIDR range" : "a wildcard";
  if (role === "insecure") {
    // vic-machine takes a wildcard insecure registry (it skips probing it and globs at pull time), not a CIDR.
    if (entry.kind === "wildcard") return true;
    findings.error(
      "RF6010",
      item.source,
      `insecure registry ${entry.text} is ${form}; vic-machine accepts only hosts, IPs and *.domain wildcards there`,
      'vic-machine fails with "invalid insecure registry entry": list each insecure registry by IP or host',
    );
  } else {
    findings.error("RF6014", item.source, `vSphere Integrated Containers Registry ${entry.text} is ${form}, not one registry`, "write its host or IP, with the port when it is not 443");
  }
  return false;
}

/** Checks every CA; returns the files to pass, sorted, each once. */
function checkCas(cas: readonly RegistryCaNode[], whitelisted: (target: RegistryEntry) => boolean, findings: Findings): string[] {
  const files = new Set<string>();
  const seen = new Set<string>();
  for (const ca of cas) {
    const problem = caFileProblem(ca.file);
    if (problem !== undefined) findings.error("RF6021", ca.source, problem.message, problem.hint);
    else files.add(ca.file);
    const key = JSON.stringify([ca.file, ca.registry]);
    if (seen.has(key)) findings.warning("RF6006", ca.source, `the CA ${ca.file}${ca.registry === null ? "" : ` for ${ca.registry}`} is listed twice`, "remove the repeat; it is emitted once");
    seen.add(key);
    if (ca.registry === null) continue;
    const at = ca.registrySource ?? ca.source;
    const entry = parseEntry(ca.registry, at, findings);
    if (entry !== undefined && !whitelisted(entry)) {
      findings.warning(
        "RF6020",
        at,
        `the CA ${ca.file} is for ${entry.text}, which the whitelist does not cover: in whitelist mode the VCH refuses that registry anyway`,
        `add ${entry.text} to the whitelist; a CA does not whitelist its registry`,
      );
    }
  }
  return [...files].sort(compareText);
}

function checkVicRegistries(vicRegistries: readonly Parsed[], cas: readonly RegistryCaNode[], whitelisted: (target: RegistryEntry) => boolean, findings: Findings): void {
  const named = caRegistries(cas).map((item) => item.entry);
  const unnamedCa = cas.some((ca) => ca.registry === null);
  for (const { entry, source } of vicRegistries) {
    if (!whitelisted(entry)) {
      findings.warning(
        "RF6015",
        source,
        `vSphere Integrated Containers Registry ${entry.text} is not covered by the whitelist: in whitelist mode the VCH refuses it`,
        `add ${entry.text} to the whitelist`,
      );
    }
    if (!unnamedCa && !named.some((ca) => covers(ca, entry) || sameServer(ca, entry))) {
      findings.warning(
        "RF6016",
        source,
        `no registryCas entry is for vSphere Integrated Containers Registry ${entry.text}, and the VCH connects to it only with its CA`,
        `add { file: "<path of its Registry Root Cert>", registry: "${entry.text}" } to registryCas`,
      );
    }
  }
}

/** `*.d` does not match `d`: a hint at the wildcard when `d` itself is named elsewhere and left out. */
function reportApexes(whitelist: readonly Parsed[], named: readonly Parsed[], whitelisted: (target: RegistryEntry) => boolean, findings: Findings): void {
  for (const { entry, source } of whitelist) {
    if (entry.kind !== "wildcard") continue;
    const apex = named.find((item) => item.entry.kind === "host" && item.entry.host.toLowerCase() === entry.domain.toLowerCase() && !whitelisted(item.entry));
    if (apex === undefined) continue;
    findings.info(
      "RF6030",
      source,
      `${entry.text} does not match ${apex.entry.text} itself, which this container host names as a registry`,
      `add "${apex.entry.text}" to the whitelist as well if the registry runs on the bare domain`,
    );
  }
}

/** The registries CAs are for, parsed quietly (checkCas reports their problems). */
function caRegistries(cas: readonly RegistryCaNode[]): Parsed[] {
  return cas.flatMap((ca) => {
    if (ca.registry === null) return [];
    const parsed = parseRegistryEntry(ca.registry);
    return parsed.ok ? [{ entry: parsed.entry, source: ca.registrySource ?? ca.source }] : [];
  });
}

/**
 * Whether the VCH may pull from a registry at `address`, by vic's matching rules: any registry
 * with no whitelist; else a whitelist entry (its insecure registries are whitelisted too) that
 * covers the address as a pull would name it.
 */
export function pullsFrom(host: ContainerHostNode, address: string): boolean {
  const target = parseRegistryEntry(address);
  if (!target.ok) return false;
  const { plan } = planContainerHost(host);
  const whitelist = plan.arguments.filter((argument) => argument.flag === "--whitelist-registry");
  if (whitelist.length === 0) return true;
  return whitelist.some(({ value }) => {
    const entry = parseRegistryEntry(value);
    return entry.ok && covers(entry.entry, target.entry);
  });
}
