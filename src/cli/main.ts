import { readFileSync } from "node:fs";
import { FatalError } from "../diagnostics/fatal-error.js";
import { packagePath } from "../package-root.js";
import { applyCommand } from "./apply.js";
import { compileCommand } from "./compile.js";
import { explainCommand } from "./explain.js";
import { validateCommand } from "./validate.js";

const usage = `Usage: regfence <command> [options]

Registry access policy as code: define registries, networks and credentials once in typed
.policy.ts files, and compile them into every enforcement point's configuration.

Commands:
  compile    compile policies into out/ (or check that out/ is up to date with --check)
  validate   check policies without writing anything
  apply      apply compiled settings through a target's API (regfence apply ovh [--dry-run])
  explain    show how the policies rewrite and admit images (regfence explain nginx:1.27)

Options:
  -h, --help     show help (also after a command: regfence compile --help)
  -v, --version  show the version`;

const commands: Record<string, (args: readonly string[], cwd: string) => Promise<number>> = {
  apply: applyCommand,
  compile: compileCommand,
  explain: explainCommand,
  validate: validateCommand,
};

/** Runs the CLI and returns the exit code; the only place that decides how a run ends. */
export async function main(argv: readonly string[], cwd: string): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  if (command === "-h" || command === "--help" || command === "help") {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (command === "-v" || command === "--version") {
    const manifest = JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as { version: string };
    process.stdout.write(`${manifest.version}\n`);
    return 0;
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
