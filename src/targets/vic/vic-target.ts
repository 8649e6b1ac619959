import type { Finding } from "../../diagnostics/finding.js";
import type { ContainerHostNode, ProgramNode } from "../../ir/model.js";
import { banner } from "../../render/banner.js";
import type { Artifact, Emission, EmitContext, Target } from "../target.js";
import { argumentWord, checkFlagsFile } from "./flags-file.js";
import { planContainerHost } from "./plan-container-host.js";

function containerHosts(program: ProgramNode): { host: ContainerHostNode; file: string }[] {
  return program.policies.flatMap((policy) => policy.containerHosts.map((host) => ({ host, file: policy.file })));
}

function validate(program: ProgramNode): readonly Finding[] {
  return containerHosts(program).flatMap(({ host }) => planContainerHost(host).findings);
}

/**
 * Three files per VCH, all printing the words of one ordered list: `.flags` for `$(< file)` or
 * xargs, `.sh` (a sourced bash array plus a `create` example), and `.configure.sh` for the CAs,
 * the only registry setting `vic-machine configure` can change on a deployed VCH.
 */
function emit(program: ProgramNode, context: EmitContext): Emission {
  const artifacts: Artifact[] = [];
  const notes: string[] = [];
  for (const { host, file } of containerHosts(program)) {
    const { plan } = planContainerHost(host);
    const words = plan.arguments.map(argumentWord);
    const caWords = plan.arguments.filter((argument) => argument.flag === "--registry-ca").map(argumentWord);
    const data = { banner: banner(file), name: plan.name, words, caWords };
    const flagsPath = `vic/${plan.name}.flags`;
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
export const vicTarget: Target = {
  name: "vic",
  outputRoots: () => ["vic"],
  validate,
  emit,
};
