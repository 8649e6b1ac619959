/**
 * Strict parsing, containment and ordering of IP address blocks (CIDR ranges).
 *
 * Policy files are security-relevant, so we accept only unambiguous notation:
 * forms that different tools read differently (`010.0.0.1` as octal, `1.2.3`,
 * hex octets, IPv6 zone ids) are rejected rather than silently reinterpreted.
 * All address parsing is delegated to ipaddr.js; we only pre-filter the text.
 */
import ipaddr from "ipaddr.js";

export type IpFamily = "ipv4" | "ipv6";

export interface IpBlock {
  readonly family: IpFamily;
  /** Canonical network address: IPv4 dotted decimal, IPv6 RFC 5952 compact lowercase. */
  readonly network: string;
  readonly prefixLength: number;
  /** `${network}/${prefixLength}` */
  readonly cidr: string;
  /** Written without a prefix (a single address, /32 or /128). */
  readonly bare: boolean;
}

export type IpBlockParse =
  | { readonly ok: true; readonly block: IpBlock }
  | {
      readonly ok: false;
      readonly reason: "invalid-address" | "invalid-prefix" | "host-bits-set";
      readonly message: string;
      /** For `host-bits-set`: the block with host bits cleared, to suggest as a fix. */
      readonly networkCidr?: string;
    };

const MAX_PREFIX: Readonly<Record<IpFamily, number>> = { ipv4: 32, ipv6: 128 };
const FAMILY_LABEL: Readonly<Record<IpFamily, string>> = { ipv4: "IPv4", ipv6: "IPv6" };
const DECIMAL = /^(0|[1-9][0-9]*)$/;
const IPV6_CHARS = /^[0-9a-f:.]+$/i;

/** Parses an address or CIDR block such as `10.0.0.0/8`, `2001:db8::/32` or `192.0.2.1`. */
export function parseIpBlock(text: string): IpBlockParse {
  const slash = text.indexOf("/");
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const bytes = parseAddressBytes(addrText);
  if (bytes === undefined) {
    return {
      ok: false,
      reason: "invalid-address",
      message: `${JSON.stringify(addrText)} is not a valid IPv4 or IPv6 address`,
    };
  }
  const family: IpFamily = bytes.length === 4 ? "ipv4" : "ipv6";
  const max = MAX_PREFIX[family];

  let prefixLength = max;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!DECIMAL.test(prefixText)) {
      return {
        ok: false,
        reason: "invalid-prefix",
        message: `prefix length ${JSON.stringify(prefixText)} in ${JSON.stringify(text)} must be a decimal number without leading zeros`,
      };
    }
    prefixLength = Number(prefixText);
    if (prefixLength > max) {
      return {
        ok: false,
        reason: "invalid-prefix",
        message: `prefix length ${prefixText} is out of range for ${FAMILY_LABEL[family]} (0-${max})`,
      };
    }
  }

  const masked = maskBytes(bytes, prefixLength);
  const network = formatBytes(masked);
  const cidr = `${network}/${prefixLength}`;
  if (masked.some((b, i) => b !== bytes[i])) {
    return {
      ok: false,
      reason: "host-bits-set",
      message: `${JSON.stringify(text)} has host bits set; did you mean ${JSON.stringify(cidr)}?`,
      networkCidr: cidr,
    };
  }
  return { ok: true, block: Object.freeze({ family, network, prefixLength, cidr, bare: slash < 0 }) };
}

/** True when every address in `inner` is also in `outer` (never across families). */
export function blockContains(outer: IpBlock, inner: IpBlock): boolean {
  if (outer.family !== inner.family || outer.prefixLength > inner.prefixLength) return false;
  const o = blockBytes(outer);
  const i = maskBytes(blockBytes(inner), outer.prefixLength);
  return o.every((b, k) => b === i[k]);
}

/**
 * Total order for deterministic output: IPv4 before IPv6, then numeric network
 * address (byte-wise, so `10.0.0.0` sorts after `9.0.0.0`), then prefix length.
 */
export function compareIpBlocks(a: IpBlock, b: IpBlock): number {
  if (a.family !== b.family) return a.family === "ipv4" ? -1 : 1;
  const x = blockBytes(a);
  const y = blockBytes(b);
  for (let k = 0; k < x.length; k++) {
    const d = (x[k] ?? 0) - (y[k] ?? 0);
    if (d !== 0) return d;
  }
  return a.prefixLength - b.prefixLength;
}

/** Returns the address bytes (4 or 16), or undefined unless the text is in strict form. */
function parseAddressBytes(text: string): number[] | undefined {
  try {
    if (!text.includes(":")) {
      // isValidFourPartDecimal rejects the shorthand/octal/hex forms `parse` accepts.
      return ipaddr.IPv4.isValidFourPartDecimal(text) ? ipaddr.IPv4.parse(text).toByteArray() : undefined;
    }
    // The character filter excludes whitespace and zone ids (`%eth0`).
    if (!IPV6_CHARS.test(text)) return undefined;
    let hex = text;
    const lastColon = text.lastIndexOf(":");
    const tail = text.slice(lastColon + 1);
    if (text.includes(".")) {
      // Rewrite an embedded IPv4 tail to two hex groups ourselves: ipaddr.js accepts
      // non-decimal octets there and maps `::1.2.3.4` to `::ffff:1.2.3.4`.
      if (text.slice(0, lastColon).includes(".") || !ipaddr.IPv4.isValidFourPartDecimal(tail)) return undefined;
      const [a = 0, b = 0, c = 0, d = 0] = ipaddr.IPv4.parse(tail).octets;
      hex = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
    }
    return ipaddr.IPv6.isValid(hex) ? ipaddr.IPv6.parse(hex).toByteArray() : undefined;
  } catch {
    return undefined;
  }
}

function maskBytes(bytes: readonly number[], prefixLength: number): number[] {
  return bytes.map((b, k) => {
    const keep = Math.min(8, Math.max(0, prefixLength - k * 8));
    return b & (0xff << (8 - keep)) & 0xff;
  });
}

function formatBytes(bytes: number[]): string {
  const addr = ipaddr.fromByteArray(bytes);
  return addr instanceof ipaddr.IPv6 ? addr.toRFC5952String() : addr.toString();
}

function blockBytes(block: IpBlock): number[] {
  return ipaddr.parse(block.network).toByteArray();
}
