/** A path into a DSL value, as zod reports it. */
export type ValuePath = readonly PropertyKey[];

/**
 * A copy of `value` without what each path names: an object key is deleted, an array element
 * dropped. Only the objects along the paths are copied, each with its own symbol keys (the DSL's
 * call-site stamps), so everything else keeps its identity and its source position. Used to check
 * the rest of a policy whose shape is wrong in a few places: those are reported already, and the
 * other checks should not wait for them.
 */
export function withoutPaths(value: unknown, paths: readonly ValuePath[]): unknown {
  let result = value;
  // Longest first, and array elements from the end, so earlier removals do not shift later paths.
  const ordered = [...paths].sort((a, b) => b.length - a.length || compareLast(b, a));
  for (const path of ordered) if (path.length > 0) result = without(result, path);
  return result;
}

function compareLast(a: ValuePath, b: ValuePath): number {
  const x = a.at(-1);
  const y = b.at(-1);
  return typeof x === "number" && typeof y === "number" ? x - y : 0;
}

function without(value: unknown, path: ValuePath): unknown {
  if (typeof value !== "object" || value === null) return value;
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (Array.isArray(value)) {
    if (typeof head !== "number" || head >= value.length) return value;
    if (rest.length === 0) return value.filter((_, index) => index !== head);
    return value.map((item, index) => (index === head ? without(item, rest) : item));
  }
  const copy = copyObject(value);
  const key = head as string | symbol;
  if (!(key in copy)) return value;
  if (rest.length === 0) delete copy[key];
  else copy[key] = without(copy[key], rest);
  return copy;
}

function copyObject(value: object): Record<string | symbol, unknown> {
  const copy: Record<string | symbol, unknown> = { ...(value as Record<string, unknown>) };
  for (const symbol of Object.getOwnPropertySymbols(value)) copy[symbol] = (value as Record<symbol, unknown>)[symbol];
  return copy;
}
