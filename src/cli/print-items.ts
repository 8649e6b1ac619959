import type { AppliedItem } from "../targets/target-apply.js";

/**
 * Prints what `apply` did or `plan` found, one block per item: its parts' outcomes and the lines
 * that differ on stdout, why an item stopped on stderr. `indent` nests items under a heading.
 */
export function printItems(items: readonly AppliedItem[], selector: string, indent = ""): void {
  for (const item of items) {
    const lines = [`${indent}${item.name} (${item.where})`];
    for (const part of item.parts) lines.push(`${indent}  ${part.part.padEnd(10)}  ${part.outcome}`, ...part.lines.map((line) => `${indent}      ${line}`));
    process.stdout.write(`${lines.join("\n")}\n`);
    if (item.failure !== undefined) {
      const hint = item.failure.hint === undefined ? "" : `\n  hint: ${item.failure.hint}`;
      process.stderr.write(`regfence: ${selector} "${item.name}" (${item.where}): ${item.failure.message}${hint}\n`);
    }
  }
}

/** An item as `--format json` shows it: its own fields, its parts, and the failure if any. */
export function itemJson(item: AppliedItem): unknown {
  return {
    ...item.json,
    parts: item.parts.map((part) => part.json),
    ...(item.failure === undefined ? {} : { error: item.failure.message, ...(item.failure.hint === undefined ? {} : { hint: item.failure.hint }) }),
  };
}
