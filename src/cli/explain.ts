import { parseArgs } from "node:util";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { FatalError } from "../diagnostics/fatal-error.js";
import { loadConfig } from "../config/load-config.js";
import { runPipeline } from "../pipeline/run-pipeline.js";
import { harborServing, type HarborServing } from "../targets/harbor/harbor-plan.js";
import { type NodePulls, nodePulls } from "../targets/nodes/node-pull.js";
import { explainImage, type Explanation, groupSteps, hasImageRules, type ImageDecision } from "../targets/kyverno/explain-image.js";
import { printDiagnostics, printJson } from "./report.js";
import { policyCommandOptions } from "./options.js";

export const explainHelp = `Usage: regfence explain IMAGE… [options]

For every image: the image after the rewrites, whether admission lets it in, the rules that
decided, for a rewritten image the Harbor project and registry endpoint that serve it, and with node
mirrors what each runtime pulls when the image reaches a node as written. It is the decision the emitted Kyverno policies make together for a Pod created with the
image: every policy with a proxy cache or admission rules applies (outside the namespaces it
excludes), every rewrite first, then every allowlist, and any Enforce allowlist can deny.

Options:
  --namespace NS       the Pod's namespace (excluded namespaces are neither rewritten nor checked)
  --format FORMAT      pretty (default) or json: one { policy, image, rewritten, admitted, reason }
                       per image; policy is the policy that decided (the first whose allowlist
                       denies the image, else the first whose allowlist admits it, else the one
                       that rewrote it), reason names each policy's part when several took part;
                       a rewritten image adds harbor: { proxy, project, endpoint, type, url };
                       with node mirrors, nodes: { <runtime>: what a node given the image as
                       written (static Pod, webhook down, excluded namespace) pulls }
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
  const result = await runPipeline({ cwd, config, paths: [], targets: ["kyverno", "nodes"], typeCheck: config.typeCheck && !values["no-typecheck"], emit: false, secrets: false });
  printDiagnostics(result.diagnostics, format, cwd);
  if (hasErrors(result.diagnostics) || result.program === undefined) {
    if (format === "json") printJson({ ok: false, diagnostics: result.diagnostics });
    return 1;
  }
  const policies = result.program.policies.filter(hasImageRules);
  const proxies = policies.flatMap((policy) => (policy.proxyCache === null ? [] : [policy.proxyCache]));
  const decisions = policies.length === 0 ? [] : positionals.map((image) => ({ ...explainImage(policies, image, values.namespace), nodes: nodePulls(proxies, image) }));
  if (format === "json") {
    printJson(
      decisions.map(({ policy, image, rewritten, admitted, reason, servedBy, nodes }): Explanation & { harbor?: HarborServing } => ({
        policy,
        image,
        rewritten,
        admitted,
        reason,
        ...(servedBy === undefined ? {} : { harbor: harborServing(servedBy.proxy, servedBy.upstream) }),
        ...(nodes === undefined ? {} : { nodes }),
      })),
    );
  }
  else process.stdout.write(policies.length === 0 ? "no policy has a proxy cache or admission rules\n" : `${pretty(decisions)}\n`);
  return decisions.every((decision) => decision.admitted) ? 0 : 1;
}

/** The verdict line, then one line per policy that took part, in the order the cluster applies them. */
function pretty(decisions: readonly (ImageDecision & { readonly nodes: NodePulls | undefined })[]): string {
  return decisions
    .map(({ image, rewritten, admitted, steps, servedBy, nodes }) =>
      [
        `${admitted ? "admitted" : "denied  "}  ${image}${rewritten === image ? "" : ` → ${rewritten}`}`,
        ...groupSteps(steps).map(({ policy, says }) => `          policy ${policy}: ${says.join("; ")}`),
        ...(servedBy === undefined ? [] : [`          ${servingLine(harborServing(servedBy.proxy, servedBy.upstream))}`]),
        ...nodeLines(nodes ?? {}),
      ].join("\n"),
    )
    .join("\n");
}

function servingLine({ proxy, project, endpoint, type, url }: HarborServing): string {
  return `served by Harbor ${proxy}: project ${project}, registry endpoint ${endpoint}${type === undefined ? "" : ` (${type} ${url ?? ""})`}`;
}

/** One line per distinct pull, naming the runtimes that make it. */
function nodeLines(pulls: Readonly<Record<string, string>>): string[] {
  const byPull = new Map<string, string[]>();
  for (const [runtime, pull] of Object.entries(pulls)) byPull.set(pull, [...(byPull.get(pull) ?? []), runtime]);
  return [...byPull].map(([pull, runtimes]) => `          nodes (${runtimes.join(", ")}) given the image as written pull ${pull}`);
}
