import { compareText } from "../../diagnostics/diagnostic.js";
import { compareIpBlocks, parseIpBlock } from "../../ir/ip-block.js";
import type { IpRestriction } from "./restriction-payloads.js";

/**
 * What a list holds for comparison: blocks in canonical CIDR form (the server turns a bare
 * address into /32), descriptions as text, as a set. Order, duplicates, `createdAt` and
 * `updatedAt` do not count: PUT replaces the list and OVH keeps no order.
 */
export type RestrictionSet = readonly IpRestriction[];

export interface RestrictionDiff {
  readonly add: RestrictionSet;
  readonly remove: RestrictionSet;
}

/** Reads a GET answer into a set, or says why it is not a restriction list. */
export function normaliseRestrictions(value: unknown): { readonly ok: true; readonly set: RestrictionSet } | { readonly ok: false; readonly reason: string } {
  if (!Array.isArray(value)) return { ok: false, reason: `expected a JSON array of restrictions, got ${describe(value)}` };
  const entries: IpRestriction[] = [];
  for (const item of value as unknown[]) {
    const { ipBlock, description } = (typeof item === "object" && item !== null ? item : {}) as { ipBlock?: unknown; description?: unknown };
    if (typeof ipBlock !== "string") return { ok: false, reason: `expected entries with an "ipBlock" string, got ${describe(item)}` };
    if (description !== undefined && description !== null && typeof description !== "string") {
      return { ok: false, reason: `expected "description" to be a string, got ${describe(description)}` };
    }
    entries.push({ description: description ?? "", ipBlock: canonicalBlock(ipBlock) });
  }
  return { ok: true, set: toSet(entries) };
}

/** The entries to add and to remove to turn `current` into `desired` (a changed description is one of each). */
export function diffRestrictions(current: RestrictionSet, desired: RestrictionSet): RestrictionDiff {
  const currentKeys = new Set(current.map(key));
  const desiredKeys = new Set(desired.map(key));
  return {
    add: toSet(desired.filter((entry) => !currentKeys.has(key(entry)))),
    remove: toSet(current.filter((entry) => !desiredKeys.has(key(entry)))),
  };
}

export function isEmptyDiff(diff: RestrictionDiff): boolean {
  return diff.add.length === 0 && diff.remove.length === 0;
}

/** Deduplicated and in address order, so what is printed does not depend on the server's order. */
export function toSet(entries: readonly IpRestriction[]): RestrictionSet {
  const byKey = new Map(entries.map((entry) => [key(entry), { description: entry.description, ipBlock: canonicalBlock(entry.ipBlock) }]));
  return [...byKey.values()].sort((a, b) => compareBlocks(a.ipBlock, b.ipBlock) || compareText(a.description, b.description));
}

function key(entry: IpRestriction): string {
  return `${canonicalBlock(entry.ipBlock)}\u0000${entry.description}`;
}

/** A block the server returns in a form regfence would not write (host bits set, say) is kept as text and so differs. */
function canonicalBlock(text: string): string {
  const parsed = parseIpBlock(text.trim());
  return parsed.ok ? parsed.block.cidr : text;
}

function compareBlocks(a: string, b: string): number {
  const left = parseIpBlock(a);
  const right = parseIpBlock(b);
  if (left.ok && right.ok) return compareIpBlocks(left.block, right.block);
  return Number(!left.ok) - Number(!right.ok) || compareText(a, b);
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
