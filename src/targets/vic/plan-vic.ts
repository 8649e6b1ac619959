import { readFile } from "node:fs/promises";
import path from "node:path";
import type { ContainerHostNode, ProgramNode } from "../../ir/model.js";
import { acrossPolicies } from "../program-queries.js";
import { MissingStateError, StateFileError, type StateFileProblem } from "../saved-state.js";
import { runTool } from "../run-tool.js";
import type { AppliedItem, AppliedPart } from "../target-apply.js";
import { type DriftReport, readEach, type StateSource, type TargetState } from "../target-state.js";
import { planContainerHost } from "./plan-container-host.js";

/**
 * The options `vic-machine inspect config` prints, by name: `--format raw` joins them with spaces
 * on one line, the verbose format logs one per line (`inspect.go` `showConfiguration`). Values are
 * not quoted, so an option runs to the next ` --name=` or the end of its line.
 */
export function parseInspectConfig(text: string): Map<string, string[]> {
  const options = new Map<string, string[]>();
  for (const line of text.split(/\r?\n/)) {
    const starts = [...line.matchAll(/(?:^|\s)--([a-z][a-z0-9-]*)=/g)];
    starts.forEach((match, index) => {
      const valueStart = (match.index ?? 0) + match[0].length;
      const next = starts[index + 1];
      const value = line.slice(valueStart, next === undefined ? undefined : next.index).trim();
      const name = match[1] ?? "";
      options.set(name, [...(options.get(name) ?? []), value]);
    });
  }
  return options;
}

/** The registry options vic-machine reports back; CAs are stored as certificates and never printed. */
const comparedFlags = [
  { flag: "--whitelist-registry", part: "whitelist" },
  { flag: "--insecure-registry", part: "insecure" },
] as const;

/** A VCH's options as inspect printed them, with where they came from for messages. */
interface Inspected {
  readonly options: Map<string, string[]>;
  readonly shown: string;
}

export const what = "the output of vic-machine inspect config --format raw (or its verbose output)";

function compare(host: ContainerHostNode, inspected: Inspected, where: string): AppliedItem {
  const names = inspected.options.get("name") ?? [];
  const item = { name: host.name, where, json: { host: host.name } };
  if (names.length === 0) {
    throw new StateFileError([{ file: inspected.shown, line: 1, column: 1, message: `holds no --name= option; it should hold ${what}` }]);
  }
  if (!names.includes(host.name)) return { ...item, parts: [], failure: { message: `${inspected.shown} is the configuration of VCH ${names.join(", ")}, not ${host.name}`, hint: undefined } };
  const { plan } = planContainerHost(host);
  const parts = comparedFlags.map(({ flag, part }): AppliedPart => {
    const wanted = plan.arguments.filter((argument) => argument.flag === flag).map(({ value }) => value);
    const live = new Set(inspected.options.get(flag.slice(2)) ?? []);
    const lines = [...wanted.filter((value) => !live.has(value)).map((value) => `+ ${value}`), ...[...live].filter((value) => !wanted.includes(value)).map((value) => `- ${value}`)];
    const action = lines.length === 0 ? "in-sync" : "pending";
    const entries = `${wanted.length} ${wanted.length === 1 ? "entry" : "entries"}`;
    return {
      part,
      action,
      outcome: action === "in-sync" ? `in sync (${entries})` : `${lines.length} to change: fixed at creation, so the VCH must be redeployed with vic/${host.name}.sh (${entries})`,
      lines,
      json: { part, action, add: wanted.filter((value) => !live.has(value)), remove: [...live].filter((value) => !wanted.includes(value)) },
    };
  });
  return { ...item, parts, failure: undefined };
}

/** Runs vic-machine (VIC_MACHINE, default vic-machine-linux), which reads its target and credentials from the environment itself. */
function inspectLive(host: ContainerHostNode, environment: Readonly<Record<string, string | undefined>>): Promise<string> {
  const binary = environment["VIC_MACHINE"] ?? "vic-machine-linux";
  const computeResource = environment["VIC_MACHINE_COMPUTE_RESOURCE"];
  const args = ["inspect", "config", "--format", "raw", `--name=${host.name}`, ...(computeResource === undefined ? [] : [`--compute-resource=${computeResource}`])];
  return runTool(binary, args, environment, {
    missing: `${binary} is not on PATH; set VIC_MACHINE to the vic-machine binary`,
    shown: `vic-machine inspect config --name=${host.name}`,
  });
}

async function inspect(host: ContainerHostNode, source: StateSource): Promise<Inspected> {
  if (source.kind === "live") return { options: parseInspectConfig(await inspectLive(host, source.environment)), shown: `vic-machine inspect config --name=${host.name}` };
  const shown = `${source.shown}/${host.name}.txt`;
  const text = await readFile(path.join(source.dir, `${host.name}.txt`), "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") throw new MissingStateError(shown, what);
    throw new StateFileError([{ file: shown, line: 0, column: 0, message: `cannot be read: ${error.message}` }]);
  });
  return { options: parseInspectConfig(text), shown };
}

/**
 * `regfence plan` for vic: each VCH's whitelist and insecure registries as `vic-machine inspect
 * config` reports them (live, or its saved output), compared with the flags the policy compiles
 * to. Registry CAs are stored as certificates and not printed back, so they are not compared.
 */
export const vicState: TargetState<undefined> = {
  noun: "VCH",
  plural: "VCHs",
  savedHelp: `  vic/<vch>.txt        the output of vic-machine-linux inspect config --name=<vch> --format raw
                       (the verbose format is read too); registry CAs are not printed, so not compared`,
  liveHelp: `  VIC_MACHINE_TARGET, VIC_MACHINE_USER, VIC_MACHINE_PASSWORD, VIC_MACHINE_THUMBPRINT
                       read by vic-machine itself; VIC_MACHINE: the binary (default
                       vic-machine-linux); VIC_MACHINE_COMPUTE_RESOURCE: the VCH's compute resource`,
  names: (program: ProgramNode) => acrossPolicies(program, (policy) => policy.containerHosts).map(({ node }) => node.name),
  async read({ program, source }): Promise<DriftReport> {
    const problems: StateFileProblem[] = [];
    const where = (host: ContainerHostNode) => (source.kind === "live" ? "vic-machine inspect config" : `saved in ${source.shown}/${host.name}.txt`);
    const hosts = acrossPolicies(program, (policy) => policy.containerHosts).map(({ node }) => node);
    const items = await readEach(hosts, (host) => ({ name: host.name, where: where(host), json: { host: host.name } }), async (host) => compare(host, await inspect(host, source), where(host)), problems);
    return { items, findings: [], problems };
  },
};
