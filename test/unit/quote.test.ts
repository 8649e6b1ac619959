import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { bareWord, jsonValue, shellQuote, yamlBlock, yamlScalar } from "../../src/render/quote.ts";

/** Inputs that have broken naive quoting somewhere: shell, YAML and JSON metacharacters, unicode. */
const NASTY = [
  "",
  " ",
  "'",
  "''",
  '"',
  "$",
  "$HOME",
  "${IFS}",
  "$(id)",
  "`id`",
  "\\",
  "\\'",
  "\n",
  "a\nb",
  "\r\n",
  "\t",
  "a&b",
  "a && b",
  "a<b",
  "a>b",
  "a|b",
  "a;b",
  "#comment",
  "a #b",
  "a: b",
  "key:",
  "- a",
  "-rf",
  "--help",
  "  leading",
  "trailing  ",
  "*",
  "?",
  "[a]",
  "{a,b}",
  "!x",
  "~",
  "~root",
  "%x",
  "@x",
  "&anchor",
  "*alias",
  "!!str",
  "<<",
  "=",
  "|",
  ">",
  "---",
  "...",
  "%YAML 1.1",
  "it's \"quoted\" $x `y` \\z",
  "héllo",
  "🚀",
  "👩‍👩‍👧‍👦",
  "שלום עולם",
  "مرحبا",
  "\u202eevil\u202c",
  "\u00a0",
  "\u0085",
  "\u2028",
  "\u2029",
  "\ufeff",
  "\u007f",
  "\u009b",
  "\u001b[31m",
] as const;

/** YAML 1.1 booleans/nulls and other plain spellings that resolve to non-strings in YAML 1.1 or 1.2. */
const YAML_LOOKALIKES = [
  "y", "Y", "n", "N", "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
  "true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL", "~",
  "0", "-0", "+1", "007", "017", "0o17", "0x10", "0b101", "1_000", "1e3", "1E3", "1.0", ".5", "-1.5e-3",
  ".inf", "-.inf", ".Inf", ".nan", ".NaN", "12:30", "1:20:30", "2001-12-14", "2001-12-14t21:59:43.10-05:00",
] as const;

// ---------------------------------------------------------------------------
// Helpers

type Env = NodeJS.ProcessEnv;
/** undefined = the inherited locale; C and C.UTF-8 check that quoting is byte-transparent either way. */
const LOCALES: readonly (string | undefined)[] = [undefined, "C", "C.UTF-8"];

/**
 * Run one bash process that, for each word, executes `printf '%s\0' <shellQuote(word)>`
 * and return what bash printed, split on NUL. If a quoted word ever expanded to
 * zero or several words, the number of NUL-terminated fields would differ.
 */
function bashEcho(words: readonly string[], locale?: string): string[] {
  const script = words.map((w) => `printf '%s\\0' ${shellQuote(w)}`).join("\n");
  // Inherit the environment (locale included) unless one is forced; never source a BASH_ENV/ENV startup file.
  const env: Env = { ...process.env, BASH_ENV: "", ENV: "" };
  if (locale !== undefined) env.LC_ALL = locale;
  const res = spawnSync("bash", ["--norc", "--noprofile", "-c", script], { env, maxBuffer: 64 * 1024 * 1024 });
  if (res.error) throw res.error;
  expect(res.stderr.toString("utf8")).toBe("");
  expect(res.status).toBe(0);
  const fields = res.stdout.toString("utf8").split("\0");
  expect(fields.pop()).toBe("");
  return fields;
}

const parse12 = (src: string): unknown => YAML.parse(src);
const parse11 = (src: string): unknown => YAML.parse(src, { version: "1.1" });

/** Strings over the nasty characters above, so properties hit metacharacters often. */
const nastyUnit = fc.constantFrom(..."'\"$`\\\n\r\t &|;<>(){}[]*?!#~=%@:,-.^".split(""), "${", "$(", "- ", ": ", " #", "\u2028", "\u0085", "\u202e", "é", "🚀", "ש");
/** Any UTF-16 code unit, including lone surrogates. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/** Well-formed strings without NUL (what a bash string can carry). */
const shellString = fc
  .oneof(
    fc.string({ unit: nastyUnit, maxLength: 40 }),
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.string({ unit: "grapheme", maxLength: 20 }),
    fc.string({ unit: "binary-ascii", maxLength: 40 }),
  )
  .map((s) => s.replaceAll("\0", ""));

/** Arbitrary JS strings (full unicode, lone surrogates and NUL included). */
const anyString = fc.oneof(
  fc.string({ unit: nastyUnit, maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: codeUnit, maxLength: 40 }),
  fc.constantFrom(...YAML_LOOKALIKES),
);

// ---------------------------------------------------------------------------

describe("shellQuote", () => {
  it.each([
    ["", "''"],
    ["abc", "abc"],
    ["A-Za-z0-9_@%+=:,./", "A-Za-z0-9_@%+=:,./"],
    ["/usr/local/bin", "/usr/local/bin"],
    ["-rf", "-rf"],
    ["key=value", "key=value"],
    [" ", "' '"],
    ["'", "''\\'''"],
    ["it's", "'it'\\''s'"],
    ["''", "''\\'''\\'''"],
    ['say "hi"', "'say \"hi\"'"],
    // `$`, backquotes and backslashes go in double quotes, escaped (shellcheck SC2016, SC1003).
    ["$HOME", '"\\$HOME"'],
    ["$(id)", '"\\$(id)"'],
    ["`id`", '"\\`id\\`"'],
    ["a\\b", '"a\\\\b"'],
    ["a,b\\", '"a,b\\\\"'],
    ["it's $x \"q\"", '"it\'s \\$x \\"q\\""'],
    ["a\nb", "'a\nb'"],
    ["a&b", "'a&b'"],
    ["a<b>c", "'a<b>c'"],
    ["#x", "'#x'"],
    ["a: b", "'a: b'"],
    ["- a", "'- a'"],
    ["  leading", "'  leading'"],
    ["~", "'~'"],
    ["*", "'*'"],
    ["{a,b}", "'{a,b}'"],
    ["!!", "'!!'"],
    ["héllo", "'héllo'"],
    ["🚀", "'🚀'"],
    ["שלום", "'שלום'"],
  ])("quotes %j as %j", (input, expected) => {
    expect(shellQuote(input)).toBe(expected);
  });

  it.each(LOCALES)("bash prints every table input back verbatim (LC_ALL=%s)", (locale) => {
    const words = [...NASTY, ...YAML_LOOKALIKES];
    expect(bashEcho(words, locale)).toEqual(words);
  });

  it("keeps a value a single argument, even where bash would split, glob or expand", () => {
    const words = ["a b", "*", "$IFS", "a\tb", "", "x'y z'"];
    const script = `set -- ${words.map(shellQuote).join(" ")}; printf '%s\\0' "$#" "$@"`;
    const res = spawnSync("bash", ["--norc", "--noprofile", "-c", script], { cwd: "/", env: { ...process.env, BASH_ENV: "", ENV: "" } });
    expect(res.stdout.toString("utf8").split("\0").slice(0, -1)).toEqual([String(words.length), ...words]);
  });

  it("rejects NUL, which bash cannot carry", () => {
    expect(() => shellQuote("a\0b")).toThrow(TypeError);
    expect(() => shellQuote("\0")).toThrow(TypeError);
  });

  it("rejects non-strings at runtime", () => {
    expect(() => shellQuote(undefined as unknown as string)).toThrow(TypeError);
    expect(() => shellQuote(42 as unknown as string)).toThrow(TypeError);
  });

  it("property: bash -c 'printf %s <quoted>' prints exactly the input", () => {
    fc.assert(
      fc.property(fc.array(shellString, { minLength: 1, maxLength: 30 }), fc.constantFrom(...LOCALES), (words, locale) => {
        expect(bashEcho(words, locale)).toEqual(words);
      }),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------

describe("yamlScalar", () => {
  it.each([
    ["", '""'],
    ["abc", '"abc"'],
    ["yes", '"yes"'],
    ["no", '"no"'],
    ["on", '"on"'],
    ["null", '"null"'],
    ["~", '"~"'],
    ["0x10", '"0x10"'],
    ["1e3", '"1e3"'],
    ["12:30", '"12:30"'],
    ['say "hi"', '"say \\"hi\\""'],
    ["a\\b", '"a\\\\b"'],
    ["a\nb\tc", '"a\\nb\\tc"'],
    ["a: b # c", '"a: b # c"'],
    ["- item", '"- item"'],
    ["  lead", '"  lead"'],
    ["it's", '"it\'s"'],
    ["$x `y` &a *b <c> !d %e @f |g", '"$x `y` &a *b <c> !d %e @f |g"'],
    ["\u0000\u001b", '"\\u0000\\u001b"'],
    ["\u007f\u0085\u009f", '"\\u007f\\u0085\\u009f"'],
    ["\u2028\u2029\ufeff", '"\\u2028\\u2029\\ufeff"'],
    ["🚀 שלום", '"🚀 שלום"'],
  ])("string %j renders as %s", (input, expected) => {
    expect(yamlScalar(input)).toBe(expected);
  });

  it.each([
    [0, "0"],
    [-0, "-0.0"],
    [42, "42"],
    [-7, "-7"],
    [1.5, "1.5"],
    [0.1 + 0.2, "0.30000000000000004"],
    [1e21, "1.0e+21"],
    [1.5e300, "1.5e+300"],
    [1e-7, "1.0e-7"],
    [5e-324, "5.0e-324"],
    [Number.MAX_SAFE_INTEGER, "9007199254740991"],
    [Number.MAX_VALUE, "1.7976931348623157e+308"],
    [true, "true"],
    [false, "false"],
    [null, "null"],
  ] as const)("%s renders plain as %s", (input, expected) => {
    expect(yamlScalar(input)).toBe(expected);
  });

  const roundTripCases: (string | number | boolean | null)[] = [
    ...NASTY,
    ...YAML_LOOKALIKES,
    "\ud800",
    "x\udfffy",
    "\u0000",
    0,
    -0,
    1e21,
    1e-7,
    5e-324,
    -Number.MAX_VALUE,
    true,
    false,
    null,
  ];

  it.each(roundTripCases)("%j round-trips as a mapping value, in a sequence and in flow, under YAML 1.2 and 1.1", (v) => {
    const s = yamlScalar(v);
    expect(s).not.toMatch(/[\n\r\u0085\u2028\u2029]/);
    for (const parse of [parse12, parse11]) {
      expect(parse(`k: ${s}`)).toStrictEqual({ k: v });
      expect(parse(`- ${s}`)).toStrictEqual([v]);
      expect(parse(`{a: [${s}, ${s}], b: ${s}}`)).toStrictEqual({ a: [v, v], b: v });
      expect(parse(`outer:\n  inner: ${s} # trailing comment`)).toStrictEqual({ outer: { inner: v } });
    }
  });

  it("double-quotes every string so its type never depends on its spelling", () => {
    for (const s of [...YAML_LOOKALIKES, ...NASTY]) expect(yamlScalar(s)).toMatch(/^".*"$/s);
  });

  it.each([NaN, Infinity, -Infinity])("rejects non-finite number %s", (n) => {
    expect(() => yamlScalar(n)).toThrow(TypeError);
  });

  it.each([undefined, {}, [], 1n, Symbol("s"), () => 1])("rejects %s at runtime", (v) => {
    expect(() => yamlScalar(v as unknown as string)).toThrow(TypeError);
  });

  it("property: strings round-trip through YAML.parse('k: ' + yamlScalar(s)), YAML 1.2 and 1.1", () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const src = `k: ${yamlScalar(s)}`;
        expect(parse12(src)).toStrictEqual({ k: s });
        expect(parse11(src)).toStrictEqual({ k: s });
      }),
      { numRuns: 2000 },
    );
  });

  it("property: finite numbers and booleans round-trip with their type (and the sign of zero)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.boolean(), fc.constant(null)), (v) => {
        const src = `k: ${yamlScalar(v)}`;
        expect(parse12(src)).toStrictEqual({ k: v });
        expect(parse11(src)).toStrictEqual({ k: v });
      }),
      { numRuns: 1000 },
    );
  });
});

// ---------------------------------------------------------------------------

describe("jsonValue", () => {
  class Money {
    readonly cents: number;
    constructor(cents: number) {
      this.cents = cents;
    }
    toJSON(): string {
      return `${this.cents / 100} EUR`;
    }
  }

  it.each([
    [null, "null"],
    [true, "true"],
    [0, "0"],
    [-1.5, "-1.5"],
    ["", '""'],
    ["it's \"q\" $x `y` \\ \n </script>", '"it\'s \\"q\\" $x `y` \\\\ \\n </script>"'],
    ["🚀 שלום \u2028", '"🚀 שלום \u2028"'],
    ["\ud800", '"\\ud800"'],
    [[], "[]"],
    [{}, "{}"],
    [{ b: 1, a: [true, null, "x"], c: { d: {} } }, '{"b":1,"a":[true,null,"x"],"c":{"d":{}}}'],
    [{ when: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) }, '{"when":"2024-01-02T03:04:05.000Z"}'],
    [{ price: new Money(250) }, '{"price":"2.5 EUR"}'],
    [Object.assign(Object.create(null) as object, { x: 1 }), '{"x":1}'],
    [JSON.parse('{"__proto__": {"polluted": true}}') as unknown, '{"__proto__":{"polluted":true}}'],
  ])("%j renders as %s", (input, expected) => {
    expect(jsonValue(input)).toBe(expected);
    expect(jsonValue(input)).toBe(JSON.stringify(input));
  });

  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;

  it.each([
    ["undefined", undefined],
    ["undefined property", { a: undefined }],
    ["undefined element", [1, undefined]],
    ["array hole", [1, , 3]], // eslint-disable-line no-sparse-arrays
    ["function", () => 1],
    ["method", { f() {} }],
    ["symbol", Symbol("s")],
    ["symbol value", { s: Symbol("s") }],
    ["symbol key", { [Symbol("k")]: 1 }],
    ["bigint", 1n],
    ["nested bigint", { n: [1n] }],
    ["NaN", NaN],
    ["Infinity", Infinity],
    ["deep -Infinity", { a: [{ b: -Infinity }] }],
    ["Map", new Map([["a", 1]])],
    ["Set", new Set([1])],
    ["class instance", { x: new (class Point { x = 1 })() }],
    ["circular", circular],
    ["toJSON returning undefined", { toJSON: () => undefined }],
  ])("rejects %s instead of dropping it", (_name, input) => {
    expect(() => jsonValue(input)).toThrow(TypeError);
  });

  it("names the offending path", () => {
    expect(() => jsonValue({ a: [0, { "b c": undefined }] })).toThrow(/\$\.a\[1\]\["b c"\]/);
  });

  it("writes -0 as 0, exactly like JSON.stringify", () => {
    expect(jsonValue([-0])).toBe("[0]");
  });

  /** JSON has no negative zero on output; compare modulo the sign of zero. */
  const unsignZero = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;

  it("property: JSON.parse(jsonValue(v)) deep-equals v and matches JSON.stringify", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue({ stringUnit: "binary" }), fc.jsonValue({ stringUnit: codeUnit }), fc.jsonValue({ stringUnit: nastyUnit })),
        (v) => {
          const s = jsonValue(v);
          expect(s).toBe(JSON.stringify(v));
          expect(JSON.parse(s)).toStrictEqual(unsignZero(v));
        },
      ),
      { numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------

describe("yamlBlock", () => {
  const under = (block: string, key = "root"): string => `${key}:\n${block}`;

  it("renders nested data as indented block YAML in insertion order", () => {
    const value = {
      name: "web",
      replicas: 3,
      enabled: true,
      ratio: 1e21,
      tags: ["yes", "a b", "1.0", "x: y", "it's"],
      env: { ZED: "first", A: null, "on": "key is YAML 1.1 bool" },
      empty: {},
      list: [],
      nested: [{ a: 1, b: "two" }, [1, 2], []],
      text: "line1\nline2\n",
    };
    const expected = [
      "  name: web",
      "  replicas: 3",
      "  enabled: true",
      "  ratio: 1.0e+21",
      "  tags:",
      '    - "yes"',
      "    - a b",
      '    - "1.0"',
      '    - "x: y"',
      `    - "it's"`,
      "  env:",
      "    ZED: first",
      "    A: null",
      '    "on": key is YAML 1.1 bool',
      "  empty: {}",
      "  list: []",
      "  nested:",
      "    - a: 1",
      "      b: two",
      "    - - 1",
      "      - 2",
      "    - []",
      '  text: "line1\\nline2\\n"',
    ].join("\n");
    const out = yamlBlock(value, 2);
    expect(out).toBe(expected);
    expect(parse12(under(out))).toStrictEqual({ root: value });
    expect(parse11(under(out))).toStrictEqual({ root: value });
  });

  it.each([
    ["empty object", {}, "  {}"],
    ["empty array", [], "  []"],
    ["string scalar", "yes", '  "yes"'],
    ["plain-safe string", "hello world", "  hello world"],
    ["number", 5, "  5"],
    ["negative zero", -0, "  -0.0"],
    ["boolean", false, "  false"],
    ["null", null, "  null"],
    ["array of scalars", [1, "on"], '  - 1\n  - "on"'],
  ])("top-level %s renders as a node valid under a key", (_name, value, expected) => {
    const out = yamlBlock(value, 2);
    expect(out).toBe(expected);
    expect(parse12(under(out))).toStrictEqual({ root: value });
    expect(parse11(under(out))).toStrictEqual({ root: value });
  });

  it("quotes every ambiguous string, as key and as value, and round-trips them under YAML 1.2 and 1.1", () => {
    const value: Record<string, string> = {};
    for (const s of [...YAML_LOOKALIKES, ...NASTY]) value[s] = s;
    const out = yamlBlock({ m: value, l: [...YAML_LOOKALIKES, ...NASTY] }, 4);
    for (const parse of [parse12, parse11]) {
      expect(parse(`a:\n  b:\n${out}`)).toStrictEqual({ a: { b: { m: value, l: [...YAML_LOOKALIKES, ...NASTY] } } });
    }
    for (const s of YAML_LOOKALIKES) expect(out).toContain(`${JSON.stringify(s)}: ${JSON.stringify(s)}`);
  });

  it("never emits anchors or aliases for shared references", () => {
    const shared = { x: 1 };
    const out = yamlBlock({ a: shared, b: shared, c: [shared] }, 0);
    expect(out).not.toMatch(/[&*]/);
    expect(parse12(out)).toStrictEqual({ a: shared, b: shared, c: [shared] });
  });

  it("keeps a __proto__ key as data", () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as unknown;
    const parsed = parse12(under(yamlBlock(value, 2))) as { root: object };
    expect(Object.keys(parsed.root)).toEqual(["__proto__", "a"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("handles keys longer than the 1024-character implicit key limit", () => {
    const value = { ["k".repeat(2000)]: "v", ["é: ".repeat(600)]: [1] };
    expect(parse12(under(yamlBlock(value, 2)))).toStrictEqual({ root: value });
  });

  it("with indent 0 renders a whole document", () => {
    expect(yamlBlock({ a: [1] }, 0)).toBe("a:\n  - 1");
  });

  it.each([-1, 1.5, NaN])("rejects indent %s", (indent) => {
    expect(() => yamlBlock({}, indent)).toThrow(RangeError);
  });

  it.each([
    ["undefined", undefined],
    ["undefined property", { a: undefined }],
    ["function", { f: () => 1 }],
    ["NaN", { n: NaN }],
    ["bigint", [1n]],
    ["Map", new Map()],
  ])("rejects %s like jsonValue", (_name, value) => {
    expect(() => yamlBlock(value, 2)).toThrow(TypeError);
  });

  const jsonLike = fc.oneof(
    fc.jsonValue({ stringUnit: "binary" }),
    fc.jsonValue({ stringUnit: nastyUnit }),
    fc.object({
      key: anyString,
      values: [anyString, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null)],
    }),
  );

  it("property: YAML.parse('root:\\n' + yamlBlock(v, 2)) deep-equals {root: v}, YAML 1.2 and 1.1", () => {
    fc.assert(
      fc.property(jsonLike, fc.integer({ min: 1, max: 8 }), (v, indent) => {
        const out = yamlBlock(v, indent);
        const pad = " ".repeat(indent);
        for (const line of out.split("\n")) expect(line.startsWith(pad)).toBe(true);
        expect(out.endsWith("\n")).toBe(false);
        expect(parse12(under(out))).toStrictEqual({ root: v });
        expect(parse11(under(out))).toStrictEqual({ root: v });
      }),
      { numRuns: 1000 },
    );
  });
});

describe("bareWord", () => {
  it.each(["--whitelist-registry=*.mycompany.com", "--registry-ca=/home/admin/mycerts/ca.crt", "10.2.2.0/24", "é漢"])("keeps %j as it is", (value) => {
    expect(bareWord(value)).toBe(value);
  });

  it.each(["", "a b", "a\tb", "a\nb", "it's", 'say "x"', "back\\slash", "bell\u0007", "zero\u200bwidth"])("refuses %j", (value) => {
    expect(() => bareWord(value)).toThrow(TypeError);
  });

  it("returns only values that `xargs` and an unquoted `$(< file)` read back as the same one word", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "grapheme", minLength: 1 }), { minLength: 1, maxLength: 20 }), (candidates) => {
        const words = candidates.filter((value) => {
          try {
            return bareWord(value) === value;
          } catch {
            return false;
          }
        });
        if (words.length === 0) return;
        const file = words.join("\n");
        const viaXargs = spawnSync("xargs", ["printf", "%s\\0"], { input: file, encoding: "utf8" }).stdout.split("\0").slice(0, -1);
        const viaSplit = spawnSync("bash", ["-c", 'set -f; printf "%s\\0" $(cat)'], { input: file, encoding: "utf8" }).stdout.split("\0").slice(0, -1);
        expect(viaXargs).toEqual(words);
        expect(viaSplit).toEqual(words);
      }),
      { numRuns: 100 },
    );
  });
});
