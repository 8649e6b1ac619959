import { readFileSync } from "node:fs";
import { packagePath } from "../package-root.js";

/**
 * The top-level help and the version: what `regfence`, `--help` and `--version` print. A module
 * of its own, with nothing but Node's built-ins below it, so bin/regfence.js answers them without
 * loading the CLI.
 */
export const usage = `Usage: regfence <command> [options]

Registry access policy as code: define registries, networks and credentials once in typed
.policy.ts files, and compile them into every enforcement point's configuration.

Commands:
  compile    compile policies into out/ (or check that out/ is up to date with --check)
  validate   check policies without writing anything
  test       check the expectations in the policies' tests (images, addresses)
  report     write the access report (out/report/index.html and report.md)
  apply      apply compiled settings through a target's API (regfence apply ovh [--dry-run])
  plan       compare each enforcement point's live (or saved) state with the policies
  import     write a policy from what an enforcement point holds today (regfence import ovh)
  diff       what a change opens or closes, against a git revision (regfence diff --base main)
  explain    show how the policies rewrite and admit images (regfence explain nginx:1.27)

Options:
  -h, --help     show help (also after a command: regfence compile --help)
  -v, --version  show the version`;

/** What to print and the exit status when the arguments ask only for help or the version. */
export function quickAnswer(argv: readonly string[]): { readonly stream: "stdout" | "stderr"; readonly text: string; readonly status: number } | undefined {
  const [command] = argv;
  if (command === undefined) return { stream: "stderr", text: `${usage}\n`, status: 2 };
  if (command === "-h" || command === "--help" || command === "help") return { stream: "stdout", text: `${usage}\n`, status: 0 };
  if (command === "-v" || command === "--version") {
    const manifest = JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as { version: string };
    return { stream: "stdout", text: `${manifest.version}\n`, status: 0 };
  }
  return undefined;
}
