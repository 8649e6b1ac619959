import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { DraftCall, type DraftValue } from "../../render/policy-draft.js";
import { savedStateFailure, StateFileError, type StateFileProblem } from "../saved-state.js";
import type { ImportedState, TargetImport } from "../target-state.js";
import { parseInspectConfig, what } from "./plan-vic.js";

/**
 * `regfence import vic` from saved state: each `vic/<vch>.txt` (`vic-machine inspect config`
 * output) as a `containerHost(...)` call with its whitelist and insecure registries. vic-machine
 * whitelists insecure registries itself (and regfence emits them so), so they are not repeated in
 * the whitelist. Registry CAs are never printed back, so they cannot be imported, and are named.
 */
export const importVic: TargetImport = {
  help: `  vic/<vch>.txt        vic-machine-linux inspect config --name=<vch> --format raw`,
  async read(source): Promise<ImportedState> {
    if (source.kind === "live") throw new Error("import vic reads saved state: save vic-machine-linux inspect config --name=<vch> --format raw as DIR/vic/<vch>.txt and pass --from DIR");
    const problems: StateFileProblem[] = [];
    const untranslated: StateFileProblem[] = [];
    const failures: string[] = [];
    const containerHosts: DraftCall[] = [];
    const files = (await readdir(source.dir).catch(() => [])).filter((file) => file.endsWith(".txt")).sort();
    for (const file of files) {
      const shown = `${source.shown}/${file}`;
      try {
        const options = parseInspectConfig(await readFile(path.join(source.dir, file), "utf8"));
        const [name, ...others] = options.get("name") ?? [];
        if (name === undefined) throw new StateFileError([{ file: shown, line: 1, column: 1, message: `holds no --name= option; it should hold ${what}` }]);
        if (others.length > 0) throw new StateFileError([{ file: shown, line: 1, column: 1, message: `names several VCHs (${[name, ...others].join(", ")}); save one VCH's configuration per file` }]);
        const insecure = options.get("insecure-registry") ?? [];
        const whitelist = (options.get("whitelist-registry") ?? []).filter((entry) => !insecure.includes(entry));
        const host: Record<string, DraftValue> = {};
        if (whitelist.length > 0) host["whitelist"] = whitelist;
        if (insecure.length > 0) host["insecureRegistries"] = insecure;
        containerHosts.push(new DraftCall("containerHost", [name, host]));
        untranslated.push({ file: shown, line: 0, column: 0, message: `vic-machine does not print a VCH's registry CAs back: if ${name} was created with --registry-ca, add registryCas to its containerHost` });
      } catch (error) {
        failures.push(`vic ${file}: ${savedStateFailure(error, problems).message}`);
      }
    }
    if (files.length === 0) failures.push(`no VCH under ${source.shown}: expected vic/<vch>.txt (vic-machine inspect config output)`);
    return { places: [], fields: { containerHosts }, untranslated, problems, failures, variables: [] };
  },
};
