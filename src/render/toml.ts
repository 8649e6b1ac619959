/**
 * A TOML basic string (TOML 1.0, "Basic strings"): `"` and `\` escaped, the control characters
 * TOML forbids unescaped written as escapes. A lone UTF-16 surrogate has no TOML form: refused.
 */
export function tomlString(value: string): string {
  let quoted = '"';
  for (const character of value) {
    const code = character.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) throw new Error("a string with a lone UTF-16 surrogate cannot be written in TOML");
    quoted += escapes[character] ?? (code < 0x20 || code === 0x7f ? `\\u${code.toString(16).toUpperCase().padStart(4, "0")}` : character);
  }
  return `${quoted}"`;
}

const escapes: Readonly<Record<string, string>> = { '"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r" };

/** A TOML value: a string, a boolean or an array of strings. */
export function tomlValue(value: string | boolean | readonly string[]): string {
  if (typeof value === "boolean") return String(value);
  if (typeof value === "string") return tomlString(value);
  return `[${value.map(tomlString).join(", ")}]`;
}
