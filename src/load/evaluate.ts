import { pathToFileURL } from "node:url";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { PolicyBundle } from "./bundle.js";
import { exportDefaultPosition, throwPosition } from "./text-positions.js";
import { importModule } from "./import-module.js";
import { relativeToCwd } from "./paths.js";
import type { SourceMapper } from "./source-maps.js";
import type { DiagnosticCode } from "../diagnostics/catalogue.js";

/** A policy file's default export, not yet checked for shape. */
export interface EvaluatedPolicy {
  /** Absolute path of the policy file. */
  readonly file: string;
  readonly value: unknown;
}

/** How a file is named in its diagnostics: a policy file, or a `.policy.test.ts` file. */
const fileKinds = {
  policy: { threw: "the policy threw while being evaluated", noDefault: "the policy file has no default export", ending: "export default definePolicy({ … })" },
  tests: { threw: "the policy tests threw while being evaluated", noDefault: "the policy test file has no default export", ending: "export default definePolicyTests(policy, [ … ])" },
} as const;

/**
 * Imports each bundled policy (and policy test file, listed in `testFiles`) on its own, so one
 * that throws is reported at the line that threw while the others are still checked.
 */
export async function evaluatePolicies(
  bundle: PolicyBundle,
  mapper: SourceMapper,
  cwd: string,
  testFiles: ReadonlySet<string>,
): Promise<{ policies: EvaluatedPolicy[]; diagnostics: Diagnostic[] }> {
  const policies: EvaluatedPolicy[] = [];
  const diagnostics: Diagnostic[] = [];
  const entries = [...bundle.entries].sort(([a], [b]) => (a < b ? -1 : 1));
  // Imported together (module loading overlaps), judged in file order.
  const settled = await Promise.allSettled(entries.map(([, entry]) => importModule(pathToFileURL(entry).href) as Promise<{ default?: unknown }>));
  settled.forEach((outcome, index) => {
    const [file = ""] = entries[index] ?? [];
    const kind = fileKinds[testFiles.has(file) ? "tests" : "policy"];
    if (outcome.status === "rejected") {
      const mapped = mapper.mapError(outcome.reason);
      // A thrown value that is not an Error has no stack: point at the policy's own throw when it has one.
      const position = mapped ?? { file: relativeToCwd(file, cwd), ...(throwPosition(file) ?? exportDefaultPosition(file)) };
      diagnostics.push({
        code: "RF1003" satisfies DiagnosticCode,
        severity: "error",
        message: `${kind.threw}: ${describeThrown(outcome.reason)}`,
        ...position,
        ...(outcome.reason instanceof Error ? {} : { hint: "throw new Error(…) instead: an Error carries the line that threw" }),
      });
    } else if (outcome.value.default === undefined) {
      diagnostics.push({
        code: "RF1004" satisfies DiagnosticCode,
        severity: "error",
        message: kind.noDefault,
        file: relativeToCwd(file, cwd),
        line: 1,
        column: 1,
        hint: `end the file with \`${kind.ending}\``,
      });
    } else {
      policies.push({ file, value: outcome.value.default });
    }
  });
  return { policies, diagnostics };
}

function describeThrown(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
