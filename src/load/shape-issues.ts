/** A zod issue as the loader reads it (`errors`: each branch's issues, for `invalid_union`). */
export interface ShapeIssue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly keys?: readonly string[];
  readonly errors?: readonly (readonly ShapeIssue[])[];
}

/** A branch that failed only because the value is another type or literal altogether. */
const wrongKind = (branch: readonly ShapeIssue[]): boolean => branch.every((issue) => issue.path.length === 0 && (issue.code === "invalid_type" || issue.code === "invalid_value"));

/**
 * The issues to report. A union (an upstream is a host or an object) says only "Invalid input" at
 * the union; when exactly one branch is of the value's kind, its own issues are reported instead,
 * at their paths, so a literal password inside an upstream object is named as such at the literal.
 */
export function preciseIssues(issues: readonly ShapeIssue[]): ShapeIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== "invalid_union" || issue.errors === undefined) return [issue];
    const matching = issue.errors.filter((branch) => !wrongKind(branch));
    const [branch] = matching;
    if (matching.length !== 1 || branch === undefined) return [issue];
    return preciseIssues(branch.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })));
  });
}
