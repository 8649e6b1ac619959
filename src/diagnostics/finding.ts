import type { SourceAnchor } from "../diagnostics/source-anchor.js";
import type { DiagnosticCode } from "./catalogue.js";
import type { Severity } from "./diagnostic.js";

/**
 * A diagnostic before its position is final: anchored at a DSL call plus a path into its
 * arguments. The loader resolves the path to the exact line and column when reporting.
 */
export interface Finding {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly hint?: string;
  readonly at: SourceAnchor;
}

/** Collects findings; validators take one and never stop at the first problem. */
export class Findings {
  readonly #items: Finding[] = [];

  error(code: DiagnosticCode, at: SourceAnchor, message: string, hint?: string): void {
    this.#add("error", code, at, message, hint);
  }

  warning(code: DiagnosticCode, at: SourceAnchor, message: string, hint?: string): void {
    this.#add("warning", code, at, message, hint);
  }

  info(code: DiagnosticCode, at: SourceAnchor, message: string, hint?: string): void {
    this.#add("info", code, at, message, hint);
  }

  #add(severity: Severity, code: DiagnosticCode, at: SourceAnchor, message: string, hint: string | undefined): void {
    this.#items.push(hint === undefined ? { code, severity, message, at } : { code, severity, message, hint, at });
  }

  get all(): readonly Finding[] {
    return this.#items;
  }
}
