import jmespath from "jmespath";
import { RE2JS } from "re2js";

/**
 * Kyverno's JMESPath dialect for the test harness: the `jmespath` library evaluates the
 * expressions; Kyverno's extra functions used by regfence's policies are added with Go
 * semantics (`regexp.MatchString`, `Regexp.ReplaceAllString` with `$1`/`${1}` templates) on
 * RE2 (re2js, a port of Go's regexp).
 */

const compiled = new Map<string, RE2JS>();

/** RE2 compilation, cached: the policies repeat a few long regexes for every image. */
function re2(regex: string): RE2JS {
  let entry = compiled.get(regex);
  if (entry === undefined) compiled.set(regex, (entry = RE2JS.compile(regex)));
  return entry;
}

/** Go's `regexp.MatchString`: unanchored search. */
export function regexMatch(regex: unknown, subject: unknown): boolean {
  if (typeof regex !== "string" || typeof subject !== "string") throw new TypeError(`regex_match(${typeof regex}, ${typeof subject}): expected strings`);
  return re2(regex).test(subject);
}

/** Go's `Regexp.ReplaceAllString`: every match replaced by the template, expanded as `Regexp.Expand` does. */
export function regexReplaceAll(regex: unknown, subject: unknown, template: unknown): string {
  if (typeof regex !== "string" || typeof subject !== "string" || typeof template !== "string") throw new TypeError("regex_replace_all: expected strings");
  const pattern = re2(regex);
  const groups = pattern.groupCount();
  return pattern.matcher(subject).replaceAll((...args: unknown[]) => expandGoTemplate(template, args.slice(0, groups + 1) as (string | undefined)[]));
}

/**
 * Go's template expansion: `$name` takes the longest run of letters, digits and `_` (so `$1x` is
 * the group named "1x", which does not exist, hence empty); `${name}` delimits it; `$$` is `$`; a
 * number names a group, anything else a named group (none here, so empty); a malformed `$` stays.
 */
export function expandGoTemplate(template: string, groups: readonly (string | undefined)[]): string {
  let out = "";
  let index = 0;
  while (index < template.length) {
    const dollar = template.indexOf("$", index);
    if (dollar < 0) return out + template.slice(index);
    out += template.slice(index, dollar);
    if (template[dollar + 1] === "$") {
      out += "$";
      index = dollar + 2;
      continue;
    }
    const braced = template[dollar + 1] === "{";
    const match = (braced ? /^\{([A-Za-z0-9_]+)\}/ : /^([A-Za-z0-9_]+)/).exec(template.slice(dollar + 1));
    if (match === null) {
      out += "$";
      index = dollar + 1;
      continue;
    }
    const name = match[1] ?? "";
    out += /^[0-9]+$/.test(name) ? (groups[Number(name)] ?? "") : "";
    index = dollar + 1 + match[0].length;
  }
  return out;
}

/**
 * Kyverno's wildcard match (github.com/IGLOU-EU/go-wildcard/v2, as Kyverno's `ext/wildcard` calls
 * it): `*` any run, `?` one character or none, and `.` ANY one character — which is why regfence
 * never tests hosts with wildcard patterns.
 */
export function wildcardMatch(pattern: string, text: string): boolean {
  if (pattern === "") return text === "";
  if (pattern === "*" || pattern === text) return true;
  const at = (p: number, s: number): boolean => {
    if (p === pattern.length) return s === text.length;
    const c = pattern[p];
    if (c === "*") return at(p + 1, s) || (s < text.length && at(p, s + 1));
    if (c === "?") return at(p + 1, s) || (s < text.length && at(p + 1, s + 1));
    if (s === text.length) return false;
    return (c === "." || c === text[s]) && at(p + 1, s + 1);
  };
  return at(0, 0);
}

type JmesType = number;
interface FunctionEntry {
  readonly _func: (args: unknown[]) => unknown;
  readonly _signature: readonly { readonly types: readonly JmesType[] }[];
}

/** jmespath.js type code for "any" (its TYPE_ANY). */
const ANY = 1;

const kyvernoFunctions: Record<string, FunctionEntry> = {
  regex_match: { _func: ([regex, subject]) => regexMatch(regex, subject), _signature: [{ types: [ANY] }, { types: [ANY] }] },
  regex_replace_all: { _func: ([regex, subject, template]) => regexReplaceAll(regex, subject, template), _signature: [{ types: [ANY] }, { types: [ANY] }, { types: [ANY] }] },
};

/**
 * Evaluates a Kyverno JMESPath expression. jmespath.js has no API for extra functions; its
 * function table is a plain object, so the Kyverno functions are offered through
 * `Object.prototype` for the duration of one synchronous call (non-enumerable, removed after).
 */
export function searchKyverno(data: unknown, expression: string): unknown {
  const names = Object.keys(kyvernoFunctions);
  for (const name of names) Object.defineProperty(Object.prototype, name, { value: kyvernoFunctions[name], configurable: true, enumerable: false, writable: false });
  try {
    return jmespath.search(data, expression);
  } finally {
    for (const name of names) delete (Object.prototype as Record<string, unknown>)[name];
  }
}
