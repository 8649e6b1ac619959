// Markdown rendering of the bench rows.

/** @param {number | undefined} value @param {number} digits */
function fixed(value, digits) {
  return value === undefined || Number.isNaN(value) ? "n/a" : value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * @param {readonly { case: string, files: number, medianMs: number, minMs: number, maxMs: number, ratio: number, mainMiB: number | undefined, largestMiB: number, treeMiB: number }[]} rows
 */
export function markdownTable(rows) {
  const header = ["case", "files", "median ms", "× node -e 0", "min–max ms", "main MiB", "largest MiB", "tree MiB"];
  const body = rows.map((row) => [
    row.case,
    fixed(row.files, 0),
    fixed(row.medianMs, 0),
    fixed(row.ratio, 2),
    `${fixed(row.minMs, 0)}–${fixed(row.maxMs, 0)}`,
    fixed(row.mainMiB, 0),
    fixed(row.largestMiB, 0),
    fixed(row.treeMiB, 0),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column].length)));
  const line = (cells) => `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join(" | ")} |`;
  const rule = `| ${widths.map((width, column) => (column === 0 ? "-".repeat(width) : `${"-".repeat(width - 1)}:`)).join(" | ")} |`;
  return [line(header), rule, ...body.map(line)].join("\n");
}

export { fixed };
