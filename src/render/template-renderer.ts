import Handlebars from "handlebars";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { FatalError } from "../diagnostics/fatal-error.js";
import { packagePath, packageRequire } from "../package-root.js";
import { bareWord, htmlText, jsonValue, markdownCell, shellQuote, yamlBlock, yamlScalar } from "./quote.js";
import { tomlValue } from "./toml.js";

/** The templates shipped with regfence. */
export const bundledTemplates = packagePath("templates");

/**
 * Renders `templates/<target>/<name>.hbs`, preferring an operator's override directory. The
 * environment is private (`Handlebars.create()`), strict (a missing field is an error, not an
 * empty string) and never HTML-escapes; values reach the output only through quoting helpers.
 */
export class TemplateRenderer {
  readonly #handlebars = Handlebars.create();
  readonly #overrides: string | undefined;
  readonly #compiled = new Map<string, Handlebars.TemplateDelegate>();

  constructor(overrides?: string) {
    this.#overrides = overrides;
    this.#handlebars.registerHelper({
      // `{{json value indent=2}}` for documents meant to be read; compact otherwise.
      json: (value: unknown, options: Handlebars.HelperOptions) => {
        const compact = jsonValue(value);
        const indent: unknown = options.hash["indent"];
        return typeof indent === "number" ? JSON.stringify(JSON.parse(compact), null, indent) : compact;
      },
      yaml: (value: string | number | boolean | null) => yamlScalar(value),
      yamlBlock: (value: unknown, indent: unknown) => yamlBlock(value, typeof indent === "number" ? indent : 0),
      sh: (value: string) => shellQuote(value),
      toml: (value: string | boolean | readonly string[]) => tomlValue(value),
      word: (value: string) => bareWord(value),
      comment: (text: string) => commentLines(text),
      html: (value: string) => htmlText(value),
      md: (value: string) => markdownCell(value),
    });
  }

  /**
   * Renders one template. With `withholdDetails` (data that holds secrets) a failure names the
   * template only: Handlebars and the helpers quote the offending value in their messages.
   */
  render(target: string, name: string, data: object, options: { readonly withholdDetails?: boolean } = {}): string {
    const file = this.#locate(target, name);
    let template = this.#compiled.get(file);
    if (template === undefined) {
      try {
        const source = readFileSync(file, "utf8");
        const precompiled = precompiledTemplates().get(templateKey(source));
        template = precompiled === undefined ? this.#handlebars.compile(source, compileOptions) : this.#handlebars.template(precompiled);
      } catch (error) {
        throw new FatalError("config", `cannot read template ${file}: ${(error as Error).message}`);
      }
      this.#compiled.set(file, template);
    }
    try {
      return template(data);
    } catch (error) {
      const detail = options.withholdDetails === true ? "details withheld because its data holds secrets" : (error as Error).message;
      throw new FatalError("config", `template ${file} failed: ${detail}`);
    }
  }

  #locate(target: string, name: string): string {
    const relative = path.join(target, `${name}.hbs`);
    if (this.#overrides !== undefined) {
      const override = path.join(this.#overrides, relative);
      if (existsSync(override)) return override;
    }
    return path.join(bundledTemplates, relative);
  }
}

/** How every template is compiled: strict (a missing field is an error), never HTML-escaping. */
export const compileOptions = { strict: true, noEscape: true } as const;

/** The key of a template's source among the precompiled ones: its SHA-256. */
export function templateKey(source: string): string {
  return createHash("sha256").update(source).digest("hex");
}

type TemplateSpec = Parameters<typeof Handlebars.template>[0];

let precompiled: ReadonlyMap<string, TemplateSpec> | undefined;

/**
 * The bundled templates precompiled by `npm run build` (tools/precompile-templates.mjs), by the
 * SHA-256 of their source: a template whose bytes match is not compiled again at run time; any
 * other (an override, an edited template) is compiled as before. Empty when the file is missing.
 */
function precompiledTemplates(): ReadonlyMap<string, TemplateSpec> {
  if (precompiled === undefined) {
    try {
      const specs = packageRequire(packagePath("dist", "precompiled-templates.cjs")) as Record<string, TemplateSpec>;
      precompiled = new Map(Object.entries(specs));
    } catch {
      precompiled = new Map();
    }
  }
  return precompiled;
}

/**
 * Why an override directory cannot be used, or undefined: it must exist, and each template in it
 * must override a bundled one, so a misspelt file name is an error rather than silently ignored.
 */
export async function templateOverrideProblem(directory: string): Promise<string | undefined> {
  const info = await stat(directory).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) return `${directory} is not a directory`;
  const known = await templateNames(bundledTemplates);
  const unknown = (await templateNames(directory)).filter((name) => !known.includes(name));
  if (unknown.length === 0) return undefined;
  return `${unknown.map((name) => path.join(directory, name)).join(", ")} override${unknown.length === 1 ? "s" : ""} no bundled template; the templates are ${known.join(", ")}`;
}

async function templateNames(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".hbs"))
    .map((entry) => path.relative(directory, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
    .sort();
}

/** Text as `#` comment lines, so a newline in it cannot end the comment early. */
function commentLines(text: string): string {
  if (typeof text !== "string") throw new TypeError(`comment: expected a string, got ${text === null ? "null" : typeof text}`);
  return text
    .split(/\r\n|\r|\n|\u2028|\u2029/)
    .map((line) => (line === "" ? "#" : `# ${shellcheckDirective.test(line) ? `> ${line}` : line}`))
    .join("\n");
}

/** A comment line shellcheck would read as a directive (`# shellcheck disable=…`): user text never becomes one. */
const shellcheckDirective = /^[ \t]*shellcheck\b/i;
