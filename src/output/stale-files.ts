import { compareText } from "../diagnostics/diagnostic.js";
import type { OutputPlan } from "./plan-output.js";

/** A file under the out dir that does not match what the policies compile to. */
export interface StaleFile {
  readonly path: string;
  /** `stale`: different bytes; `missing`: not written yet; `extra`: no target emits it. */
  readonly problem: "stale" | "missing" | "extra";
}

/** What `--check` reports (and `apply` refuses to run on), sorted by path. */
export function staleFiles(plan: Pick<OutputPlan, "files" | "extra">): StaleFile[] {
  return [
    ...plan.files
      .filter(({ status }) => status !== "unchanged")
      .map(({ artifact, status }): StaleFile => ({ path: artifact.path, problem: status === "new" ? "missing" : "stale" })),
    ...plan.extra.map((file): StaleFile => ({ path: file, problem: "extra" })),
  ].sort((a, b) => compareText(a.path, b.path));
}
