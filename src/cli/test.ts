import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../config/load-config.js";
import { sortDiagnostics } from "../diagnostics/diagnostic.js";
import { Findings } from "../diagnostics/finding.js";
import { refinePositions } from "../load/refine-positions.js";
import { runPipeline } from "../pipeline/run-pipeline.js";
import { runPolicyTests, type TestOutcome } from "../pipeline/run-policy-tests.js";
import { parseFormat, policyCommandOptions } from "./options.js";
import { printDiagnostics, printJson } from "./report.js";

export const testHelp = `Usage: regfence test [FILE|DIR …] [options]

Checks the expectations in the policies' \`tests\` (expectImage, expectAddress), and in the
\`<name>.policy.test.ts\` files beside them (definePolicyTests), with the semantics of what regfence
emits: an image is rewritten and admitted as \`regfence explain\` and the Kyverno policies decide
it (every policy together), an address reaches a registry as its compiled firewall lets it. Each
failure is reported at its expectation, with what happened instead.
\`regfence compile --check\` runs the same tests.

Options:
  --format FORMAT      pretty (default), json or github (workflow annotations)
  --junit FILE         also write a JUnit XML report (for CI systems that show test results)
  --config FILE        config file (default: searched in the working directory)
  --no-typecheck       skip type-checking
  -h, --help           show this help

Exit codes: 0 every test passed (or there is none), 1 a test failed or a policy has errors,
2 usage, config or internal error.`;

/** Failures as diagnostics (RF1201), at the expectation that failed. */
export function failureFindings(outcomes: readonly TestOutcome[]): Findings {
  const findings = new Findings();
  for (const outcome of outcomes.filter(({ passed }) => !passed)) {
    findings.error("RF1201", outcome.source, `test failed: ${outcome.name}; got ${outcome.actual}`, `expected ${outcome.expected}`);
  }
  return findings;
}

const xml = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** JUnit XML: a suite per policy, a case per expectation, its file and line, the failure's message. */
export function junitReport(outcomes: readonly TestOutcome[]): string {
  const policies = [...new Set(outcomes.map(({ policy }) => policy))];
  const suites = policies.map((policy) => {
    const cases = outcomes.filter((outcome) => outcome.policy === policy);
    const failures = cases.filter(({ passed }) => !passed).length;
    const body = cases.map((outcome) => {
      const attributes = `name="${xml(outcome.name)}" classname="${xml(policy)}" file="${xml(outcome.source.file)}" line="${outcome.source.line}"`;
      if (outcome.passed) return `    <testcase ${attributes}/>`;
      const message = `expected ${outcome.expected}; got ${outcome.actual}`;
      return `    <testcase ${attributes}>\n      <failure message="${xml(message)}">${xml(`${outcome.source.file}:${outcome.source.line}:${outcome.source.column}: ${message}`)}</failure>\n    </testcase>`;
    });
    return `  <testsuite name="${xml(policy)}" tests="${cases.length}" failures="${failures}">\n${body.join("\n")}\n  </testsuite>`;
  });
  const failed = outcomes.filter(({ passed }) => !passed).length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="regfence" tests="${outcomes.length}" failures="${failed}">\n${suites.join("\n")}\n</testsuites>\n`;
}

/** `N passed, M failed`, the closing line CI systems read. */
export function testSummary(outcomes: readonly TestOutcome[]): string {
  const failed = outcomes.filter(({ passed }) => !passed).length;
  return `${outcomes.length - failed} passed, ${failed} failed`;
}

export async function testCommand(args: readonly string[], cwd: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { ...policyCommandOptions, format: { type: "string" }, junit: { type: "string" } },
  });
  if (values.help) {
    process.stdout.write(`${testHelp}\n`);
    return 0;
  }
  const format = parseFormat(values.format);
  const config = await loadConfig(cwd, values.config);
  const result = await runPipeline({ cwd, config, paths: positionals, targets: undefined, typeCheck: config.typeCheck && !values["no-typecheck"], emit: false, secrets: false });
  if (result.program === undefined) {
    printDiagnostics(result.diagnostics, format, cwd);
    if (format === "json") printJson({ ok: false, diagnostics: result.diagnostics, tests: [] });
    return 1;
  }
  // A file that does not load (it threw, or does not type-check) is left out; the others' tests still run.
  const broken = [...new Set(result.diagnostics.filter(({ severity }) => severity === "error").map(({ file }) => file))];
  const outcomes = runPolicyTests(result.program);
  const diagnostics = sortDiagnostics([...result.diagnostics, ...refinePositions(failureFindings(outcomes).all, cwd)]);
  if (values.junit !== undefined) {
    const file = path.resolve(cwd, values.junit);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, junitReport(outcomes));
  }
  const failed = outcomes.some(({ passed }) => !passed) || broken.length > 0;
  if (format === "json") {
    const located = refinePositions(outcomes.map((outcome) => ({ code: "RF1201", severity: "info", message: outcome.name, at: outcome.source })), cwd);
    printJson({
      ok: !failed,
      diagnostics,
      tests: outcomes.map((outcome, index) => ({ policy: outcome.policy, name: outcome.name, passed: outcome.passed, expected: outcome.expected, actual: outcome.actual, file: located[index]?.file, line: located[index]?.line, column: located[index]?.column })),
    });
    return failed ? 1 : 0;
  }
  printDiagnostics(diagnostics, format, cwd);
  for (const outcome of outcomes) process.stdout.write(`${outcome.passed ? "✓" : "✗"} ${outcome.policy}: ${outcome.name}\n`);
  if (broken.length > 0) process.stderr.write(`${broken.join(", ")} ${broken.length === 1 ? "has errors: what it declares is" : "have errors: what they declare is"} missing from this run, so tests that depend on it may fail\n`);
  // "No tests" is advice only when nothing failed to load: a broken file may hold the tests.
  const none = outcomes.length === 0 && broken.length === 0;
  process.stdout.write(none ? "no tests: add expectImage or expectAddress to a policy's tests, or a <name>.policy.test.ts beside it\n" : `${testSummary(outcomes)}\n`);
  return failed ? 1 : 0;
}
