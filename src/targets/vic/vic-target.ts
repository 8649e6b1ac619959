import type { Finding } from "../../diagnostics/finding.js";
import type { ProgramNode } from "../../ir/model.js";
import { banner } from "../../render/banner.js";
import { shellQuote } from "../../render/quote.js";
import { acrossPolicies } from "../program-queries.js";
import type { Emission, EmitContext, Target } from "../target.js";
import type { Artifact } from "../../output/artifact.js";
import { argumentWord, checkFlagsFile } from "./flags-file.js";
import { planContainerHost } from "./plan-container-host.js";
import { importVic } from "./import-vic.js";
import { vicState } from "./plan-vic.js";

function validate(program: ProgramNode): readonly Finding[] {
  return acrossPolicies(program, (each) => each.containerHosts).flatMap(({ node: host }) => planContainerHost(host).findings);
}

/**
 * Three files per VCH, all printing the words of one ordered list: `.sh` (a sourced bash array
 * plus a `create` example: the way to deploy), `.flags` for tools that take a file (read line by
 * line: see flags-file.ts), and `.configure.sh` for the CAs, the only registry setting
 * `vic-machine configure` can change on a deployed VCH.
 */
function emit(program: ProgramNode, context: EmitContext): Emission {
  const artifacts: Artifact[] = [];
  const notes: string[] = [];
  for (const { policy, node: host } of acrossPolicies(program, (each) => each.containerHosts)) {
    const { plan } = planContainerHost(host);
    const words = plan.arguments.map(argumentWord);
    const caWords = plan.arguments.filter((argument) => argument.flag === "--registry-ca").map(argumentWord);
    const flagsFile = `${plan.name}.flags`;
    // The .sh's example of reading .flags without globbing: the name shell-quoted, the line a comment.
    const readFlags = `  mapfile -t registry_args < ${shellQuote(flagsFile)}`;
    const data = { banner: banner(policy.file), name: plan.name, words, caWords, readFlags };
    const flagsPath = `vic/${flagsFile}`;
    const flags = context.render.render("vic", "registry-args.flags", data);
    checkFlagsFile(flagsPath, flags, words);
    artifacts.push(
      { path: flagsPath, content: flags, format: "text" },
      { path: `vic/${plan.name}.sh`, content: context.render.render("vic", "registry-args.sh", data), format: "shell" },
      { path: `vic/${plan.name}.configure.sh`, content: context.render.render("vic", "configure.sh", data), format: "shell", executable: true },
    );
    if (plan.arguments.some((argument) => argument.flag !== "--registry-ca")) {
      notes.push(
        `vic: ${plan.name}: the whitelist and insecure registries are fixed when the VCH is created; a change to them needs a redeploy (vic/${plan.name}.sh), only CA changes can go through vic/${plan.name}.configure.sh`,
      );
    }
  }
  return { artifacts, findings: [], notes };
}

/** vSphere Integrated Containers `vic-machine` registry access flags, checked by vic's own rules. */
export const vicTarget: Target<"vic"> = {
  name: "vic",
  outputRoots: () => ["vic"],
  validate,
  emit,
  state: { ...vicState, import: importVic },
};
