import { parseArgs } from "node:util";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { FatalError } from "../diagnostics/fatal-error.js";
import { loadConfig } from "../load/config.js";
import { runPipeline } from "../pipeline/run-pipeline.js";
import { type Explanation, explainImage, hasImageRules } from "../targets/kyverno/explain-image.js";
import { printDiagnostics, printJson } from "./report.js";
import { policyCommandOptions } from "./options.js";

export const explainHelp = `Usage: regfence explain IMAGE… [options]

For every image and every policy with a proxy cache or admission rules: the image after the
rewrite, whether admission lets it in, and the rule that decided. It is the decision the emitted
Kyverno policies make for a Pod running the image.

Options:
  --namespace NS       the Pod's namespace (excluded namespaces are neither rewritten nor checked)
  --format FORMAT      pretty (default) or json: [{ policy, image, rewritten, admitted, reason }]
  --config FILE        config file (default: searched in the working directory)
  --no-typecheck       skip type-checking
  -h, --help           show this help

Exit codes: 0 every image admitted, 1 an image denied or policy errors, 2 usage, config or internal error.`;

export async function explainCommand(args: readonly string[], cwd: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      namespace: { type: "string" },
      format: { type: "string" },
      ...policyCommandOptions,
    },
  });
  if (values.help) {
    process.stdout.write(`${explainHelp}\n`);
    return 0;
  }
  const format = values.format ?? "pretty";
  if (format !== "pretty" && format !== "json") throw new FatalError("usage", `unknown --format "${format}": use pretty or json`);
  if (positionals.length === 0) throw new FatalError("usage", "name at least one image, e.g. regfence explain nginx:1.27");
  const config = await loadConfig(cwd, values.config);
  const result = await runPipeline({ cwd, config, paths: [], targets: ["kyverno"], typeCheck: config.typeCheck && !values["no-typecheck"], emit: false, secrets: false });
  printDiagnostics(result.diagnostics, format, cwd);
  if (hasErrors(result.diagnostics) || result.program === undefined) {
    if (format === "json") printJson({ ok: false, diagnostics: result.diagnostics });
    return 1;
  }
  const policies = result.program.policies.filter(hasImageRules);
  const explanations = positionals.flatMap((image) => policies.map((policy) => explainImage(policy, image, values.namespace)));
  if (format === "json") printJson(explanations);
  else process.stdout.write(policies.length === 0 ? "no policy has a proxy cache or admission rules\n" : `${pretty(explanations)}\n`);
  return explanations.every((explanation) => explanation.admitted) ? 0 : 1;
}

function pretty(explanations: readonly Explanation[]): string {
  return explanations
    .map(({ policy, image, rewritten, admitted, reason }) =>
      [`${admitted ? "admitted" : "denied  "}  ${image}${rewritten === image ? "" : ` → ${rewritten}`}`, `          policy ${policy}: ${reason}`].join("\n"),
    )
    .join("\n");
}
