import Handlebars from "handlebars";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FatalError } from "../diagnostics/fatal-error.js";
import { bareWord, jsonValue, shellQuote, yamlBlock, yamlScalar } from "./quote.js";

/** The templates shipped with regfence. */
export const bundledTemplates = fileURLToPath(new URL("../../templates", import.meta.url));

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
      sh: (value: string) => shellQuote(String(value)),
      word: (value: string) => bareWord(value),
      comment: (text: string) => commentLines(String(text)),
    });
  }

  render(target: string, name: string, data: object): string {
    const file = this.#locate(target, name);
    let template = this.#compiled.get(file);
    if (template === undefined) {
      try {
        template = this.#handlebars.compile(readFileSync(file, "utf8"), { strict: true, noEscape: true });
      } catch (error) {
        throw new FatalError("config", `cannot read template ${file}: ${(error as Error).message}`);
      }
      this.#compiled.set(file, template);
    }
    try {
      return template(data);
    } catch (error) {
      throw new FatalError("config", `template ${file} failed: ${(error as Error).message}`);
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

/** Text as `#` comment lines, so a newline in it cannot end the comment early. */
function commentLines(text: string): string {
  return text
    .split(/\r\n|\r|\n|\u2028|\u2029/)
    .map((line) => (line === "" ? "#" : `# ${line}`))
    .join("\n");
}
