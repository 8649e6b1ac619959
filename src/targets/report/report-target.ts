import type { ProgramNode } from "../../ir/model.js";
import { banner } from "../../render/banner.js";
import type { Emission, EmitContext, Target } from "../target.js";
import { reportModel } from "./report-model.js";

function emit(program: ProgramNode, context: EmitContext): Emission {
  if (program.policies.length === 0) return { artifacts: [], findings: [], notes: [] };
  const model = reportModel(program, context.workspace, context.diagnostics ?? []);
  const data = { ...model, banner: banner(program.policies.map((policy) => policy.file).join(", ")).replace("from ", "from the policies ") };
  return {
    artifacts: [
      { path: "report/index.html", content: context.render.render("report", "index.html", data), format: "text" },
      { path: "report/report.md", content: context.render.render("report", "report.md", data), format: "markdown" },
    ],
    findings: [],
    notes: [],
  };
}

/**
 * The access report: one self-contained page (`report/index.html`: inline CSS and SVG, no script,
 * no network access, printable) and the same as Markdown, showing who reaches which endpoint, the
 * route and verdict of every upstream and allowed registry, the node mirrors' pulls and every
 * warning, each linked to the policy line that decides it.
 */
export const reportTarget: Target<"report"> = {
  name: "report",
  outputRoots: () => ["report"],
  validate: () => [],
  emit,
};
