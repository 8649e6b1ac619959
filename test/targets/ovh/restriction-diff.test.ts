import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffRestrictions, isEmptyDiff, normaliseRestrictions, toSet } from "../../../src/targets/ovh/restriction-diff.ts";

const production = { description: "production environment", ipBlock: "192.0.2.0/24" };
const qa = { description: "Q/A environment", ipBlock: "192.0.1.0/24" };

describe("normaliseRestrictions", () => {
  it.each([
    ["drops timestamps and sorts by address", [{ createdAt: "2024-02-01T15:15:06Z", ...production, updatedAt: "2024-02-01T15:15:06Z" }, qa], [qa, production]],
    ["reads a bare address as /32, as the server stores it", [{ ipBlock: "203.0.113.7", description: "agent" }], [{ description: "agent", ipBlock: "203.0.113.7/32" }]],
    ["canonicalises IPv6", [{ ipBlock: "2001:DB8:0::/32", description: "v6" }], [{ description: "v6", ipBlock: "2001:db8::/32" }]],
    ["reads a missing or null description as empty", [{ ipBlock: "192.0.2.0/24" }, { ipBlock: "192.0.1.0/24", description: null }], [{ description: "", ipBlock: "192.0.1.0/24" }, { description: "", ipBlock: "192.0.2.0/24" }]],
    ["keeps a block it cannot parse as text", [{ ipBlock: "192.0.2.1/24", description: "x" }], [{ description: "x", ipBlock: "192.0.2.1/24" }]],
    ["merges duplicates", [production, { ...production }], [production]],
  ])("%s", (_name, value, expected) => {
    expect(normaliseRestrictions(value)).toEqual({ ok: true, set: expected });
  });

  it.each([
    [null, "expected a JSON array of restrictions, got null"],
    [{ ipRestrictions: [] }, 'expected a JSON array of restrictions, got {"ipRestrictions":[]}'],
    [[{ description: "no block" }], 'expected entries with an "ipBlock" string, got {"description":"no block"}'],
    [[{ ipBlock: "192.0.2.0/24", description: 7 }], 'expected "description" to be a string, got 7'],
  ])("refuses %j", (value, reason) => {
    expect(normaliseRestrictions(value)).toEqual({ ok: false, reason });
  });
});

describe("diffRestrictions", () => {
  it.each([
    ["in sync whatever the order", [production, qa], [qa, production], { add: [], remove: [] }],
    ["adds to an empty list", [], [qa], { add: [qa], remove: [] }],
    ["empties a list declared open", [production], [], { add: [], remove: [production] }],
    ["a changed description is one of each", [{ ...qa, description: "old" }], [qa], { add: [qa], remove: [{ ...qa, description: "old" }] }],
  ])("%s", (_name, current, desired, expected) => {
    expect(diffRestrictions(toSet(current), toSet(desired))).toEqual(expected);
  });

  const entry = fc.record({
    description: fc.constantFrom("", "a", "b"),
    ipBlock: fc.tuple(fc.integer({ min: 0, max: 255 }), fc.constantFrom(24, 32)).map(([octet, prefix]) => (prefix === 32 ? `198.51.100.${octet}` : `198.51.${octet}.0/24`)),
  });

  it("applying the diff to the current list gives the desired set, and nothing is left to do", () => {
    fc.assert(
      fc.property(fc.array(entry), fc.array(entry), (current, desired) => {
        const diff = diffRestrictions(toSet(current), toSet(desired));
        const removed = new Set(diff.remove.map((each) => JSON.stringify(each)));
        const after = toSet([...toSet(current).filter((each) => !removed.has(JSON.stringify(each))), ...diff.add]);
        expect(after).toEqual(toSet(desired));
        expect(isEmptyDiff(diffRestrictions(after, toSet(desired)))).toBe(true);
      }),
    );
  });

  it("does not depend on order or duplicates", () => {
    fc.assert(
      fc.property(fc.array(entry), fc.array(entry), (current, desired) => {
        const shuffled = [...current].reverse().concat(current.slice(0, 1));
        expect(diffRestrictions(toSet(shuffled), toSet(desired))).toEqual(diffRestrictions(toSet(current), toSet(desired)));
      }),
    );
  });
});
