import type { Anchoring } from "../../src/ir/anchoring.ts";
import { buildProgram } from "../../src/ir/build-program.ts";
import type { ProgramNode } from "../../src/ir/model.ts";
import type { Finding } from "../../src/diagnostics/finding.ts";
import type { Policy } from "../../src/dsl/index.ts";

/** Anchors as the IR builder records them for `policies/p.policy.ts` (the loader would prefix the call's argument index). */
export const anchoring: Anchoring = { at: (_root, at) => ({ file: "policies/p.policy.ts", line: 1, column: 1, path: [...(at ?? [])] }) };

/** The IR of policy values (what `definePolicy` returns), in process: no file, no bundling, no tsc. */
export function programOf(...values: readonly Policy[]): { readonly program: ProgramNode; readonly findings: readonly Finding[] } {
  const files = values.map((value, index) => ({ file: values.length === 1 ? "policies/p.policy.ts" : `policies/p${index}.policy.ts`, value, anchors: anchoring }));
  return buildProgram(files, { cwd: "/repo", projectRoot: "/repo" });
}
