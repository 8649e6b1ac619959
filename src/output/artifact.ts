/** A file a target wants under the out dir. */
export interface Artifact {
  /** Relative to the out dir, `/`-separated. */
  readonly path: string;
  readonly content: string;
  /**
   * `yaml`, `json` and `toml` artifacts are parsed back before anything is written and must
   * contain `expected` (templates may add to it, never change or drop it).
   */
  readonly format: "yaml" | "json" | "toml" | "shell" | "text" | "markdown";
  /** For yaml: the documents, in order; for json and toml: the value. */
  readonly expected?: unknown;
  /** Holds secret values: written 0600, never printed, only with `--secrets`. */
  readonly secret?: boolean;
  readonly executable?: boolean;
}
