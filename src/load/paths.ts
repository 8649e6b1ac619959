import path from "node:path";

/** A path as users see it in diagnostics and summaries: relative to cwd, `/`-separated. */
export function relativeToCwd(absolute: string, cwd: string): string {
  const relative = path.relative(cwd, absolute);
  return (relative === "" ? "." : relative).split(path.sep).join("/");
}
