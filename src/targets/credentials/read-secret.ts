import { readFile } from "node:fs/promises";
import { Findings } from "../../diagnostics/finding.js";
import { assertNever } from "../../ir/assert-never.js";
import type { SecretRefNode } from "../../ir/model.js";
import { anchorAt } from "../../ir/source-anchor.js";

/** What a secret is, for messages: they name the credential and the source, never the value. */
export interface SecretRole {
  readonly credential: string;
  readonly key: "username" | "password";
}

/** Fails on bytes that are not UTF-8 rather than replacing them, which would change the secret; drops a leading BOM. */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * What Node reads an environment variable's invalid UTF-8 bytes as, silently. The bytes are gone
 * by then, so the character itself is refused: otherwise a password would be changed, not
 * rejected as the same bytes in a file are (RF7104).
 */
const replacementCharacter = "\uFFFD";

/**
 * Reads one secret value (only `regfence compile --secrets` gets here). A missing, empty or
 * unreadable source becomes an RF71xx finding naming the variable or file, so every such problem
 * is reported in one run; nothing about the value itself ever reaches a message.
 */
export async function readSecret(ref: SecretRefNode, role: SecretRole, findings: Findings): Promise<string | undefined> {
  const what = `the ${role.key} of credential "${role.credential}"`;
  // The path names `fromEnv("…")`'s first argument; positions resolve it to the call itself.
  const at = anchorAt(ref.source, 0);
  switch (ref.kind) {
    case "env": {
      const value = process.env[ref.variable];
      if (value === undefined) {
        findings.error("RF7101", at, `environment variable ${ref.variable} is not set (${what})`, "set it before running `regfence compile --secrets`");
        return undefined;
      }
      if (value === "") {
        findings.error("RF7102", at, `environment variable ${ref.variable} is empty (${what})`, "set it to the registry's username or token");
        return undefined;
      }
      if (value.includes(replacementCharacter)) {
        findings.error(
          "RF7104",
          at,
          `environment variable ${ref.variable} is not UTF-8 text (${what}): it holds U+FFFD, which Node puts in place of bytes that are not UTF-8`,
          "set it from UTF-8 text; a secret that really contains U+FFFD can be read with `fromFile` instead",
        );
        return undefined;
      }
      return value;
    }
    case "file": {
      let bytes: Buffer;
      try {
        bytes = await readFile(ref.path);
      } catch (error) {
        findings.error("RF7103", at, `cannot read ${ref.path} (${what}): ${readProblem(error)}`, "create the file, or point `fromFile` at the right path (relative to the policy file)");
        return undefined;
      }
      let text: string;
      try {
        text = strictUtf8.decode(bytes);
      } catch {
        findings.error("RF7104", at, `${ref.path} is not UTF-8 text (${what})`, "registry credentials are text: save the file as UTF-8");
        return undefined;
      }
      const value = dropLineEnding(text);
      if (value === "") {
        findings.error("RF7102", at, `${ref.path} is empty (${what})`, "write the registry's username or token into it");
        return undefined;
      }
      return value;
    }
    default:
      return assertNever(ref);
  }
}

/** Both values of a username/password pair, every problem reported; undefined when either is missing. */
export async function readSecretPair(
  refs: { readonly username: SecretRefNode; readonly password: SecretRefNode },
  credential: string,
  findings: Findings,
): Promise<{ readonly username: string; readonly password: string } | undefined> {
  const username = await readSecret(refs.username, { credential, key: "username" }, findings);
  const password = await readSecret(refs.password, { credential, key: "password" }, findings);
  return username === undefined || password === undefined ? undefined : { username, password };
}

/** The same where a missing secret stops the run (`apply`): an Error naming every source that failed, never a value. */
export async function requireSecretPair(refs: { readonly username: SecretRefNode; readonly password: SecretRefNode }, credential: string): Promise<{ readonly username: string; readonly password: string }> {
  const findings = new Findings();
  const pair = await readSecretPair(refs, credential, findings);
  if (pair === undefined) throw new Error(findings.all.map(({ message }) => message).join("; "));
  return pair;
}

/** Files usually end with a newline the secret does not contain: drop one (`\n` or `\r\n`). */
export function dropLineEnding(text: string): string {
  if (text.endsWith("\r\n")) return text.slice(0, -2);
  if (text.endsWith("\n")) return text.slice(0, -1);
  return text;
}

/** The reason a file could not be read, from its error code only (Node's messages repeat paths and flags). */
function readProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a directory";
    default:
      return code ?? "unknown error";
  }
}
