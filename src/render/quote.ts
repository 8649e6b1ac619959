/**
 * Quoting helpers for template interpolation. Every value that reaches a
 * rendered artifact (bash, YAML, JSON) goes through one of these so that no
 * name or description can change the structure of the surrounding document.
 * All of them fail closed: a value that cannot be represented exactly throws
 * a TypeError instead of being silently dropped or coerced.
 */
import { Document, type Scalar, type Tags } from "yaml";

/** Characters bash passes through verbatim in an unquoted word (no globbing, expansion or word splitting). */
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Quote `value` as exactly one bash word.
 *
 * Single quotes are the only bash quoting in which nothing is special, so the
 * sole escape needed is closing the quote for an embedded `'` (`'\''`). A value
 * holding `$`, a backquote or `\` is double-quoted instead, with those and `"`
 * escaped: the same word, without shellcheck reading `'$x'` as a mistaken
 * expansion (SC2016) or `'a\'` as a mistaken escape (SC1003).
 * Words made only of {@link SHELL_SAFE} characters are left bare for
 * readability. NUL throws because a bash string cannot contain it (it would be
 * truncated). Quoting does not stop a value that begins with `-` from being
 * read as an option; callers must put `--` before such arguments.
 */
export function shellQuote(value: string): string {
  if (typeof value !== "string") {
    throw new TypeError(`shellQuote: expected a string, got ${describe(value)}`);
  }
  if (value.includes("\0")) {
    throw new TypeError("shellQuote: bash strings cannot contain NUL characters");
  }
  if (SHELL_SAFE.test(value)) return value;
  if (/[$`\\]/.test(value)) return `"${value.replace(/[$`"\\]/g, "\\$&")}"`;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Characters JSON.stringify leaves raw but YAML must not see raw: DEL, C1
 * controls (U+0085 NEL is a line break in YAML 1.1), U+2028/U+2029 (line breaks
 * in YAML 1.1), the BOM, and the non-characters U+FFFE/U+FFFF.
 */
const YAML_UNSAFE_RAW = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

/** A single-line double-quoted YAML string using JSON-style escapes, valid in YAML 1.1 and 1.2. */
function yamlQuotedString(value: string): string {
  return JSON.stringify(value).replace(
    YAML_UNSAFE_RAW,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Text of a finite number that resolves to the same float in YAML 1.2 core and
 * YAML 1.1 schemas: exponent forms get a `.0` mantissa (YAML 1.1 floats require
 * a dot, JS prints `1e+21`) and -0 is written `-0.0` so the sign survives.
 */
function yamlNumber(value: number, fn: string): string {
  if (!Number.isFinite(value)) {
    throw new TypeError(`${fn}: non-finite number ${String(value)} is not allowed`);
  }
  if (Object.is(value, -0)) return "-0.0";
  const text = String(value);
  const e = text.indexOf("e");
  if (e !== -1 && !text.slice(0, e).includes(".")) {
    return `${text.slice(0, e)}.0${text.slice(e)}`;
  }
  return text;
}

/**
 * Render a value as a YAML flow scalar that parses back to the same value and
 * type under both YAML 1.2 and YAML 1.1 rules.
 *
 * Strings are always double-quoted because plain YAML scalars are typed by
 * their spelling: `yes`, `on`, `0x10`, `1e3`, `12:30`, `null`, `~` would
 * otherwise become booleans, numbers or null (differently in 1.1 and 1.2).
 * The result is always a single line, so it is safe anywhere a flow scalar may
 * appear (after `key: `, after `- `, inside `[...]`/`{...}`). Numbers must be
 * finite.
 */
export function yamlScalar(value: string | number | boolean | null): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return yamlQuotedString(value);
    case "number":
      return yamlNumber(value, "yamlScalar");
    case "boolean":
      return value ? "true" : "false";
    default:
      throw new TypeError(`yamlScalar: expected string, number, boolean or null, got ${describe(value)}`);
  }
}

/**
 * Serialize `value` as compact JSON, like JSON.stringify, but refuse anything
 * JSON.stringify would silently drop or alter: `undefined` (including array
 * holes), functions, symbols (values and keys), bigint, NaN/±Infinity,
 * circular references and non-plain objects such as Map or Set (which would
 * become `{}`). `toJSON()` is honoured and -0 is written as `0`, as in
 * JSON.stringify.
 */
export function jsonValue(value: unknown): string {
  return JSON.stringify(toJsonData(value, "jsonValue"));
}

/** Plain strings a YAML 1.1 or 1.2 reader will take as a bool/null despite starting with a letter. */
const YAML_RESERVED_WORDS = new Set(["y", "n", "yes", "no", "on", "off", "true", "false", "null"]);

/**
 * Strings that may stay plain in block YAML: start with a letter (so never a
 * number, timestamp, indicator or document marker), only `[A-Za-z0-9_./-]`
 * with single inner spaces (so no `: `, ` #`, trailing space or line break).
 */
const YAML_SAFE_PLAIN = /^[A-Za-z][A-Za-z0-9_./-]*(?: [A-Za-z0-9_./-]+)*$/;

function stringifyString(item: Scalar): string {
  const value = String(item.value);
  return YAML_SAFE_PLAIN.test(value) && !YAML_RESERVED_WORDS.has(value.toLowerCase())
    ? value
    : yamlQuotedString(value);
}

function stringifyNumber(item: Scalar): string {
  return yamlNumber(Number(item.value), "yamlBlock");
}

/** Route every string and number scalar through the same rendering as {@link yamlScalar}. */
function overrideScalarTags(tags: Tags): Tags {
  return tags.map((tag) => {
    if (typeof tag === "string" || tag.collection) return tag;
    switch (tag.tag) {
      case "tag:yaml.org,2002:str":
        return { ...tag, stringify: stringifyString };
      case "tag:yaml.org,2002:int":
      case "tag:yaml.org,2002:float":
        return { ...tag, stringify: stringifyNumber };
      default:
        return tag;
    }
  });
}

/**
 * Render JSON-like data as block-style YAML, every line prefixed with `indent`
 * spaces and no trailing newline, for embedding under a key in a YAML
 * template:
 *
 * ```hbs
 * labels:
 * {{yamlBlock labels 2}}
 * ```
 *
 * The value is validated like {@link jsonValue} (nothing is silently dropped).
 * Mapping keys keep insertion order, no anchors/aliases are emitted (shared
 * references are written out twice), strings stay plain only when they cannot
 * be read as anything else under YAML 1.1 or 1.2 and are otherwise
 * double-quoted exactly as by {@link yamlScalar}, and no scalar spans lines,
 * so prefixing each line cannot change the meaning.
 *
 * Non-empty objects/arrays render as block mappings/sequences; empty ones as
 * `{}` / `[]`; a top-level scalar as its scalar text. Each of these is a valid
 * node when placed on the lines after `key:` with `indent` greater than the
 * key's column (for a top-level document use indent 0).
 */
export function yamlBlock(value: unknown, indent: number): string {
  if (!Number.isSafeInteger(indent) || indent < 0) {
    throw new RangeError(`yamlBlock: indent must be a non-negative integer, got ${String(indent)}`);
  }
  const doc = new Document(toJsonData(value, "yamlBlock"), {
    version: "1.2",
    schema: "core",
    customTags: overrideScalarTags,
    aliasDuplicateObjects: false,
  });
  const text = doc.toString({ lineWidth: 0, indent: 2, indentSeq: true });
  const pad = " ".repeat(indent);
  return text
    .replace(/\n$/, "")
    .split("\n")
    .map((line) => pad + line)
    .join("\n");
}

type JsonData = null | boolean | number | string | JsonData[] | { [key: string]: JsonData };

/**
 * Validate `value` and return a plain-data copy with `toJSON()` applied, so the
 * serializer only ever sees null/boolean/number/string/array/plain object.
 */
function toJsonData(value: unknown, fn: string): JsonData {
  const active = new Set<object>();

  const visit = (input: unknown, key: string, path: string): JsonData => {
    if (typeof input === "object" && input !== null && active.has(input)) {
      throw new TypeError(`${fn}: circular reference at ${path}`);
    }
    let v = input;
    if (typeof v === "object" && v !== null) {
      const toJSON: unknown = (v as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === "function") v = toJSON.call(v, key) as unknown;
    }
    if (v instanceof Number || v instanceof String || v instanceof Boolean) v = v.valueOf();

    if (v === null || typeof v === "string" || typeof v === "boolean") return v;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw new TypeError(`${fn}: non-finite number ${String(v)} at ${path}`);
      return v;
    }
    if (typeof v !== "object") {
      throw new TypeError(`${fn}: ${describe(v)} at ${path} is not representable in JSON`);
    }
    if (active.has(v)) throw new TypeError(`${fn}: circular reference at ${path}`);

    // Track the original too, so a toJSON() that returns a fresh wrapper around `this` still terminates.
    const tracked = typeof input === "object" && input !== null && input !== v ? [v, input] : [v];
    for (const o of tracked) active.add(o);
    try {
      if (Array.isArray(v)) {
        const out: JsonData[] = [];
        for (let i = 0; i < v.length; i++) {
          if (!(i in v)) throw new TypeError(`${fn}: array hole at ${path}[${i}]`);
          out.push(visit(v[i], String(i), `${path}[${i}]`));
        }
        return out;
      }
      const proto: unknown = Object.getPrototypeOf(v);
      // Accept Object.prototype of any realm, or null; reject Map, Set, class instances, ...
      if (proto !== null && Object.getPrototypeOf(proto) !== null) {
        throw new TypeError(`${fn}: ${describe(v)} at ${path} is not a plain object or array`);
      }
      if (Object.getOwnPropertySymbols(v).some((s) => Object.prototype.propertyIsEnumerable.call(v, s))) {
        throw new TypeError(`${fn}: symbol-keyed property at ${path} is not representable in JSON`);
      }
      // Null prototype so a "__proto__" key is stored as data, not as the prototype.
      const out = Object.create(null) as { [key: string]: JsonData };
      const record = v as Record<string, unknown>;
      for (const k of Object.keys(record)) {
        out[k] = visit(record[k], k, `${path}${/^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`}`);
      }
      return out;
    } finally {
      for (const o of tracked) active.delete(o);
    }
  };

  return visit(value, "", "$");
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return (value as object).constructor?.name ?? "object";
  return typeof value;
}

/**
 * A value for a line-per-word file read by `$(< file)` or `xargs`, which share no quoting rule:
 * it is emitted as is, but only when both read it back as exactly one word (no blank, quote,
 * backslash or control character); anything else is a TypeError, never a silently split value.
 */
export function bareWord(value: string): string {
  if (typeof value !== "string" || value === "" || /[\s\p{Cc}\p{Cf}'"\\]/u.test(value)) {
    // The value is not echoed: a template may pass anything here, secrets included.
    throw new TypeError("a value that is empty or holds a blank, quote, backslash or control character cannot be written as one bare word");
  }
  return value;
}

/** Text for HTML content and attribute values: the five characters HTML gives meaning, escaped. */
export function htmlText(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Text for one cell of a Markdown table: on one line, with `|`, `\\` and backticks escaped. */
export function markdownCell(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/`/g, "\\`").replace(/\r?\n|\r|[\u2028\u2029]/g, " ");
}
