import { compareText } from "../diagnostics/diagnostic.js";
import { compareIpBlocks, parseIpBlock } from "../ir/ip-block.js";
import { DraftCall, type DraftValue, NetworkUse, PlaceUse, type NetworkDraft } from "../render/policy-draft.js";

/** One address list read from a target: `ovh mpr-prod management`, an ACR's IP rules, a VCH's whitelist. */
export interface ImportPlace {
  /** Unique among the places imported together. */
  readonly id: string;
  /** The registry (or host) the list belongs to: networks used by several owners are shared. */
  readonly owner: string;
  /** The name of a network of undescribed blocks: `myContainerRegistry-allowed`. */
  readonly nameHint: string;
  readonly rules: readonly { readonly cidr: string; readonly description: string }[];
  /** The description of a rule the target keeps none for (ACR), used when no place describes the block; "" where a description is compared (OVH). */
  readonly fallbackDescription: string;
}

/** `production environment` → `production-environment`: a network name regfence accepts (RF2101). */
function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[-._]+|[-._]+$/g, "")
    .slice(0, 48)
    .replace(/[-._]+$/, "");
}

function canonical(cidr: string): string {
  const parsed = parseIpBlock(cidr.trim());
  return parsed.ok ? parsed.block.cidr : cidr.trim();
}

/**
 * The networks of the imported address lists: blocks with the same description used by the same
 * lists form one network, named after the description, so every list is a union of whole
 * networks and compiles back to exactly what was read. A network several owners use is shared.
 */
export function factorNetworks(places: readonly ImportPlace[]): { readonly networks: readonly NetworkDraft[]; readonly networksOf: ReadonlyMap<string, readonly string[]> } {
  const description = new Map<string, string>();
  const usedBy = new Map<string, string[]>();
  for (const place of places) {
    for (const rule of place.rules) {
      const block = canonical(rule.cidr);
      if (!description.has(block) || (description.get(block) === "" && rule.description !== "")) description.set(block, rule.description);
      const users = usedBy.get(block) ?? [];
      if (!users.includes(place.id)) users.push(place.id);
      usedBy.set(block, users);
    }
  }
  const groups = new Map<string, { description: string; places: string[]; blocks: string[] }>();
  for (const [block, users] of usedBy) {
    const text = description.get(block) ?? "";
    const key = `${[...users].sort(compareText).join("\u0000")}\u0001${text}`;
    const group = groups.get(key) ?? { description: text, places: users, blocks: [] };
    group.blocks.push(block);
    groups.set(key, group);
  }
  const ownerOf = new Map(places.map((place) => [place.id, place]));
  const taken = new Set<string>();
  const networks: NetworkDraft[] = [];
  const networksOf = new Map<string, string[]>(places.map((place) => [place.id, []]));
  for (const group of groups.values()) {
    const first = ownerOf.get(group.places[0] ?? "");
    const text = group.description === "" ? (first?.fallbackDescription ?? "") : group.description;
    const base = slug(group.description) || (first?.nameHint ?? "imported");
    let name = base;
    for (let suffix = 2; taken.has(name); suffix++) name = `${base}-${suffix}`;
    taken.add(name);
    const blocks = [...group.blocks].sort((a, b) => {
      const left = parseIpBlock(a);
      const right = parseIpBlock(b);
      return left.ok && right.ok ? compareIpBlocks(left.block, right.block) : compareText(a, b);
    });
    const owners = new Set(group.places.map((id) => ownerOf.get(id)?.owner));
    networks.push({ name, rules: blocks.map((cidr) => ({ cidr, description: text })), shared: owners.size > 1 });
    for (const id of group.places) networksOf.get(id)?.push(name);
  }
  return { networks, networksOf };
}

/** The value with each place replaced by the networks it became. */
export function withNetworks(value: DraftValue, networksOf: ReadonlyMap<string, readonly string[]>): DraftValue {
  if (value instanceof PlaceUse) return (networksOf.get(value.place) ?? []).map((name) => new NetworkUse(name));
  if (value instanceof DraftCall) return new DraftCall(value.callee, value.args.map((arg) => withNetworks(arg, networksOf)));
  if (Array.isArray(value)) return (value as readonly DraftValue[]).map((item) => withNetworks(item, networksOf));
  if (typeof value === "object" && value !== null && value.constructor === Object) {
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, field === undefined ? undefined : withNetworks(field as DraftValue, networksOf)]));
  }
  return value;
}
