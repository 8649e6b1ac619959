import { spawn } from "node:child_process";

/** A command-line tool that exited non-zero: `said` is the last line it wrote to stderr. */
export class ToolError extends Error {
  readonly said: string;

  constructor(message: string, said: string) {
    super(message);
    this.name = "ToolError";
    this.said = said;
  }
}

/**
 * Runs a tool (az, kubectl, vic-machine) with exactly the given environment, which holds its
 * credentials and configuration, and resolves to what it printed. A tool that is not installed
 * fails with `missing`; one that exits non-zero with its command and the last line it said.
 */
export function runTool(
  command: string,
  args: readonly string[],
  environment: Readonly<Record<string, string | undefined>>,
  { missing, shown }: { readonly missing: string; readonly shown: string },
): Promise<string> {
  const env = Object.fromEntries(Object.entries(environment).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error: NodeJS.ErrnoException) => reject(new Error(error.code === "ENOENT" ? missing : error.message)));
    child.on("close", (status) => {
      // The last line says why; az and kubectl prefix it with ERROR: or error:, which adds nothing.
      const said = (Buffer.concat(stderr).toString("utf8").trim().split("\n").at(-1) ?? "").trim().replace(/^error:\s*/i, "");
      if (status === 0) resolve(Buffer.concat(stdout).toString("utf8"));
      else reject(new ToolError(`${shown} failed (exit ${status ?? "?"})${said === "" ? "" : `: ${said}`}`, said));
    });
  });
}
