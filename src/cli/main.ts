import { FatalError } from "../diagnostics/fatal-error.js";
import { applyCommand } from "./apply.js";
import { compileCommand } from "./compile.js";
import { diffCommand } from "./diff.js";
import { explainCommand } from "./explain.js";
import { importCommand } from "./import.js";
import { planCommand } from "./plan.js";
import { reportCommand } from "./report-command.js";
import { testCommand } from "./test.js";
import { quickAnswer, usage } from "./usage.js";
import { validateCommand } from "./validate.js";

const commands: Record<string, (args: readonly string[], cwd: string) => Promise<number>> = {
  apply: applyCommand,
  compile: compileCommand,
  diff: diffCommand,
  explain: explainCommand,
  import: importCommand,
  plan: planCommand,
  report: reportCommand,
  test: testCommand,
  validate: validateCommand,
};

/** Runs the CLI and returns the exit code; the only place that decides how a run ends. */
export async function main(argv: readonly string[], cwd: string): Promise<number> {
  const [command = "", ...rest] = argv;
  const quick = quickAnswer(argv);
  if (quick !== undefined) {
    (quick.stream === "stdout" ? process.stdout : process.stderr).write(quick.text);
    return quick.status;
  }
  const run = commands[command];
  if (run === undefined) {
    process.stderr.write(`regfence: unknown command "${command}"\n\n${usage}\n`);
    return 2;
  }
  try {
    return await run(rest, cwd);
  } catch (error) {
    return reportFailure(error, command);
  }
}

function reportFailure(error: unknown, command: string): number {
  if (error instanceof FatalError && error.kind !== "internal") {
    const help = error.kind === "usage" ? `\nRun \`regfence ${command} --help\` for usage.` : "";
    process.stderr.write(`regfence: ${error.message}${help}\n`);
    return 2;
  }
  if (isParseArgsError(error)) {
    process.stderr.write(`regfence: ${error.message}\nRun \`regfence ${command} --help\` for usage.\n`);
    return 2;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`regfence: internal error, please report it with this output:\n${detail}\n`);
  return 2;
}

function isParseArgsError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === "string" && code.startsWith("ERR_PARSE_ARGS");
}
