/**
 * Registry addresses as vic-machine reads them (`pkg/registry/entry.go`): `net.ParseCIDR` first,
 * then a URL with or without `https://`. regfence accepts the forms the vic docs promise (IP,
 * IP:port, CIDR, FQDN, host:port, `*.domain`) and rejects the rest with a reason, because vic's
 * fallback quietly turns typos into entries that never match (`10.0.0.0/33` is read as host
 * `10.0.0.0` with path `/33`; `a,b` as one host).
 */
import { compareText } from "../../diagnostics/diagnostic.js";
import { blockContains, compareIpBlocks, type IpBlock, parseIpBlock } from "../../ir/ip-block.js";
import { assertNever } from "../../ir/assert-never.js";

/** One parsed entry; `text` is the flag value regfence emits. */
export type RegistryEntry =
  | { readonly kind: "cidr"; readonly text: string; readonly block: IpBlock }
  | { readonly kind: "ip"; readonly text: string; readonly block: IpBlock; readonly port: number | null }
  | { readonly kind: "host"; readonly text: string; readonly host: string; readonly port: number | null }
  | { readonly kind: "wildcard"; readonly text: string; readonly domain: string; readonly port: number | null };

export type EntryProblem = "invalid" | "list" | "url" | "prefix";

export type EntryParse =
  | {
      readonly ok: true;
      readonly entry: RegistryEntry;
      /** Set when a CIDR was written with host bits: the form as written, before vic's normalisation. */
      readonly hostBitsWritten?: string;
    }
  | { readonly ok: false; readonly problem: EntryProblem; readonly message: string; readonly hint: string };

const label = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const hostName = new RegExp(`^${label}(?:\\.${label})*$`);
const dottedNumbers = /^[0-9.]+$/;
const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
const unprintable = /[\s\p{Cc}\p{Cf}]/u;
const forms = "write an IP, IP:port, CIDR, FQDN, host:port or *.domain";

/** Parses one address; never throws. */
export function parseRegistryEntry(written: string): EntryParse {
  if (written === "") return fail("invalid", "the registry address is empty", forms);
  if (unprintable.test(written)) {
    return fail("invalid", `${quote(written)} contains whitespace or an invisible character`, "vic-machine cannot parse it (\"could not parse entry\"); remove it");
  }
  if (written.includes(",")) {
    return fail("list", `${quote(written)} is a comma-separated list`, "vic-machine does not split on commas and would read one bogus entry: list each registry separately");
  }
  if (scheme.test(written)) {
    return fail("url", `${quote(written)} has a URL scheme`, "write host[:port]: with a scheme, vic matches only that scheme (http:// never matches https://)");
  }
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(written);
  if (bracketed !== null) return parseBracketed(written, bracketed[1] ?? "", bracketed[2]);
  const slash = written.indexOf("/");
  if (slash >= 0) return parseSlashed(written, slash);
  const colons = written.split(":").length - 1;
  if (colons > 1) {
    const ipv6 = parseIpBlock(written);
    return ipv6.ok
      ? fail("invalid", `${quote(written)} is an IPv6 address without brackets`, `vic splits the port at the last colon: write [${written}]`)
      : fail("invalid", `${quote(written)} is not a registry address`, forms);
  }
  const [host = "", portText] = written.split(":");
  const port = parsePort(portText);
  if (port === undefined) return fail("invalid", `the port in ${quote(written)} must be a number from 1 to 65535`, "write host:port, e.g. registry.example.com:5000");
  return parseHost(written, host, port);
}

function parseSlashed(written: string, slash: number): EntryParse {
  if (!parseIpBlock(written.slice(0, slash)).ok) {
    return fail("url", `${quote(written)} has a path`, "write host[:port]: vic would match only image paths under it; registry access is per host");
  }
  const parsed = parseIpBlock(written);
  if (parsed.ok) return { ok: true, entry: { kind: "cidr", text: parsed.block.cidr, block: parsed.block } };
  if (parsed.reason === "host-bits-set" && parsed.networkCidr !== undefined) {
    const network = parseIpBlock(parsed.networkCidr);
    if (network.ok) return { ok: true, entry: { kind: "cidr", text: network.block.cidr, block: network.block }, hostBitsWritten: written };
  }
  return fail("prefix", `${quote(written)} is not a valid CIDR range: ${parsed.message}`, "vic would read it as a host with a path, which never matches");
}

function parseBracketed(written: string, inner: string, portText: string | undefined): EntryParse {
  const parsed = parseIpBlock(inner);
  if (!parsed.ok || parsed.block.family !== "ipv6" || inner.includes("/")) {
    return fail("invalid", `${quote(written)}: only an IPv6 address goes in brackets`, forms);
  }
  const port = parsePort(portText);
  if (port === undefined) return fail("invalid", `the port in ${quote(written)} must be a number from 1 to 65535`, "write [address]:port");
  return { ok: true, entry: { kind: "ip", text: written, block: parsed.block, port } };
}

function parseHost(written: string, host: string, port: number | null): EntryParse {
  const ip = parseIpBlock(host);
  if (ip.ok) return { ok: true, entry: { kind: "ip", text: written, block: ip.block, port } };
  if (dottedNumbers.test(host)) return fail("invalid", `${quote(host)} is not a valid IPv4 address`, "write four decimal numbers from 0 to 255, without leading zeros");
  // vic matches names with a case-sensitive glob against what clients send, which is lowercase:
  // names are emitted lowercase, so `Registry.Example.com` still matches `registry.example.com`.
  if (host.startsWith("*.")) {
    const domain = host.slice(2).toLowerCase();
    if (isHostName(domain)) return { ok: true, entry: { kind: "wildcard", text: written.toLowerCase(), domain, port } };
  } else if (isHostName(host)) {
    return { ok: true, entry: { kind: "host", text: written.toLowerCase(), host: host.toLowerCase(), port } };
  }
  return host.includes("*")
    ? fail("invalid", `${quote(written)} is not a wildcard vic-machine documents`, "write *.domain: the only wildcard is a leading `*.`")
    : fail("invalid", `${quote(host)} is not a valid host name`, "use letters, digits and '-' in dot-separated labels of at most 63 characters");
}

function isHostName(text: string): boolean {
  return text.length <= 253 && hostName.test(text) && !dottedNumbers.test(text);
}

/** null when absent, undefined when malformed. */
function parsePort(text: string | undefined): number | null | undefined {
  if (text === undefined) return null;
  if (!/^[1-9][0-9]{0,4}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

function fail(problem: EntryProblem, message: string, hint: string): EntryParse {
  return { ok: false, problem, message, hint };
}

function quote(text: string): string {
  return JSON.stringify(text);
}

/**
 * True when whitelist entry `entry` lets the VCH reach `target`, by vic's matching rules: a CIDR
 * covers IP literals only, `*.d` covers names under `d` but not `d` itself, and an entry without
 * a port covers every port while `host:443` covers only `host:443`: vic adds the https port only
 * to an entry written with `https://` (`pkg/registry/entry.go` ensurePort; its own test has
 * `ParseEntry("foo:123").Match("foo") == false`), and pulls name the registry as written.
 */
export function covers(entry: RegistryEntry, target: RegistryEntry): boolean {
  switch (entry.kind) {
    case "cidr":
      return (target.kind === "cidr" || target.kind === "ip") && blockContains(entry.block, target.block);
    case "ip":
      return target.kind === "ip" && target.block.cidr === entry.block.cidr && portCovers(entry.port, target.port);
    case "host":
      return target.kind === "host" && sameName(entry.host, target.host) && portCovers(entry.port, target.port);
    case "wildcard":
      return (
        ((target.kind === "host" && isUnder(target.host, entry.domain)) ||
          (target.kind === "wildcard" && (sameName(target.domain, entry.domain) || isUnder(target.domain, entry.domain)))) &&
        portCovers(entry.port, target.port)
      );
    default:
      return assertNever(entry);
  }
}

/** The same registry server whatever the port: how a VIC Registry is recognised among insecure ones. */
export function sameServer(a: RegistryEntry, b: RegistryEntry): boolean {
  if (a.kind === "ip" && b.kind === "ip") return a.block.cidr === b.block.cidr;
  if (a.kind === "host" && b.kind === "host") return sameName(a.host, b.host);
  return false;
}

/** The key under which two entries are the same flag value (host names ignore case, as DNS does). */
export function entryKey(entry: RegistryEntry): string {
  return entry.text.toLowerCase();
}

/** Flag order: IP literals and ranges by address, then names, so output ignores policy order. */
export function compareEntries(a: RegistryEntry, b: RegistryEntry): number {
  const aIp = a.kind === "cidr" || a.kind === "ip";
  const bIp = b.kind === "cidr" || b.kind === "ip";
  if (aIp && bIp) return compareIpBlocks(a.block, b.block) || (portOf(a) ?? 0) - (portOf(b) ?? 0) || compareText(a.text, b.text);
  if (aIp !== bIp) return aIp ? -1 : 1;
  return compareText(entryKey(a), entryKey(b)) || compareText(a.text, b.text);
}

function portOf(entry: RegistryEntry): number | null {
  return entry.kind === "cidr" ? null : entry.port;
}

function portCovers(entryPort: number | null, targetPort: number | null): boolean {
  return entryPort === null || entryPort === targetPort;
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function isUnder(name: string, domain: string): boolean {
  return name.toLowerCase().endsWith(`.${domain.toLowerCase()}`);
}
