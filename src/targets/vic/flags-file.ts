/**
 * The `.flags` file: one `--flag=value` word per line, for tools that take a file. Its readers
 * share no quoting rule (`$(< …)` splits on blanks and keeps quotes literally, xargs strips them),
 * so no value is quoted: each must be a word every reader takes the same way.
 *
 * Values such as `*.example.com` or `[2001:db8::1]:5000` are glob patterns to an unquoted
 * `$(< file)`: a matching file replaces the flag, `nullglob` drops it and `failglob` fails the
 * command. Safe reads take it line by line (`mapfile -t args < file`, xargs) or turn globbing off
 * (`set -f`); the `.sh` array, quoted per element, is the recommended path and says so.
 */
import { FatalError } from "../../diagnostics/fatal-error.js";

export type RegistryFlag = "--whitelist-registry" | "--insecure-registry" | "--registry-ca";

/** One argument of `vic-machine-linux create`; `.flags`, `.sh` and `.configure.sh` all print these words. */
export interface RegistryArgument {
  readonly flag: RegistryFlag;
  readonly value: string;
}

export function argumentWord(argument: RegistryArgument): string {
  return `${argument.flag}=${argument.value}`;
}

/**
 * Why a CA file path cannot be a `.flags` value, or undefined. Blanks would split the word,
 * quotes and backslashes are eaten by xargs, glob characters could expand, and vic-machine reads
 * `~` literally (no shell expands it inside `--registry-ca=~/…` or a quoted array element).
 */
export function caFileProblem(file: string): { readonly message: string; readonly hint: string } | undefined {
  if (file === "") return { message: "the CA file path is empty", hint: "give the path of the PEM file on the machine that runs vic-machine" };
  if (/[\s\p{Cc}\p{Cf}'"\\*?[\]]/u.test(file)) {
    return {
      message: `the CA file path ${JSON.stringify(file)} contains a blank, quote, backslash or glob character`,
      hint: "the .flags file is split into words by the shell or xargs; move or link the certificate to a plain path",
    };
  }
  if (file.startsWith("~")) {
    return { message: `the CA file path ${JSON.stringify(file)} starts with "~"`, hint: "vic-machine does not expand ~; write the path from / or relative to where vic-machine runs" };
  }
  return undefined;
}

/**
 * The rendered `.flags` file read back as `$(< file)` would: every emitted word must appear, in
 * order, as a line of its own (a template override may add lines, never change or drop one).
 */
export function checkFlagsFile(path: string, content: string, words: readonly string[]): void {
  const lines = content.split("\n");
  let next = 0;
  for (const line of lines) if (line === words[next]) next += 1;
  if (next < words.length) {
    throw new FatalError("config", `${path}: the rendered flags do not contain ${JSON.stringify(words[next])} on a line of its own; check the template`);
  }
}
