/**
 * Shared by the Azure target's tests: hand-built IR for one registry, the target's artifacts for
 * it, and a sandbox that runs an emitted script against the stand-in `az` (fake-az.ts) with
 * nothing else on PATH, so a script that needs any tool beyond bash and `az` fails.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { parseIpBlock } from "../../../src/ir/ip-block.ts";
import type { AzureRegistryNode, IpRuleNode, ProgramNode } from "../../../src/ir/model.ts";
import { shellQuote } from "../../../src/render/quote.ts";
import { TemplateRenderer } from "../../../src/render/template-renderer.ts";
import { azureTarget } from "../../../src/targets/azure/azure-target.ts";
import type { EmitContext } from "../../../src/targets/target.ts";
import type { Artifact } from "../../../src/output/artifact.ts";
import type { FakeRegistry } from "./fake-az.ts";

const source = { file: "policies/test.policy.ts", line: 1, column: 1, path: [] };

/** An IP rule as the IR builder makes it from a policy's `cidr`. */
export function ipRule(written: string, network = "office"): IpRuleNode {
  const parsed = parseIpBlock(written);
  if (!parsed.ok) throw new Error(parsed.message);
  return { kind: "ip-rule", block: parsed.block, written, description: `${network} egress`, network, source };
}

export interface RegistrySpec {
  readonly name?: string;
  readonly resourceGroup?: string;
  readonly subscription?: string | null;
  readonly publicAccess?: AzureRegistryNode["publicAccess"];
  readonly trustedServices?: boolean;
  /** CIDRs or addresses as a policy would write them. */
  readonly rules?: readonly string[];
}

export function registryNode(spec: RegistrySpec = {}): AzureRegistryNode {
  return {
    kind: "azure-registry",
    name: spec.name ?? "myContainerRegistry",
    resourceGroup: spec.resourceGroup ?? "myResourceGroup",
    subscription: spec.subscription ?? null,
    publicAccess: spec.publicAccess ?? "selected-networks",
    trustedServices: spec.trustedServices ?? true,
    rules: (spec.rules ?? []).map((rule) => ipRule(rule)),
    source,
  };
}

export function program(...registries: AzureRegistryNode[]): ProgramNode {
  return {
    policies: [{ kind: "policy", name: "test", file: source.file, source, networks: [], proxyCache: null, admission: null, registries, containerHosts: [], credentials: [], tests: [] }],
  };
}

/** The target has no options of its own. */
const context: EmitContext = { render: new TemplateRenderer(), options: undefined, secrets: false };

export async function emitArtifacts(input: ProgramNode): Promise<Artifact[]> {
  const emission = await azureTarget.emit(input, context);
  return [...emission.artifacts];
}

export async function scriptFor(spec: RegistrySpec): Promise<string> {
  const artifacts = await emitArtifacts(program(registryNode(spec)));
  const script = artifacts.find((artifact) => artifact.path.endsWith(".sh"));
  if (script === undefined) throw new Error("no script emitted");
  return script.content;
}

export interface ScriptRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The registry after the run. */
  readonly state: FakeRegistry;
  /** Every `az` argv the script made, in order. */
  readonly calls: string[][];
  /** The registry after each call that changed it, in order. */
  readonly history: FakeRegistry[];
}

/** Calls that change the registry, as opposed to reading it. */
export function isMutating(call: readonly string[]): boolean {
  return call[0] === "rest" || call[1] === "update" || (call[1] === "network-rule" && (call[2] === "add" || call[2] === "remove"));
}

/** A directory holding the bundled stand-in, an `az` on an otherwise empty PATH, and run files. */
export class Sandbox {
  readonly #directory: string;
  readonly #bin: string;

  private constructor(directory: string) {
    this.#directory = directory;
    this.#bin = path.join(directory, "bin");
  }

  static async create(): Promise<Sandbox> {
    const sandbox = new Sandbox(mkdtempSync(path.join(tmpdir(), "regfence-azure-")));
    const fake = path.join(sandbox.#directory, "fake-az.mjs");
    await build({
      entryPoints: [fileURLToPath(new URL("fake-az.ts", import.meta.url))],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      outfile: fake,
      logLevel: "silent",
    });
    mkdirSync(sandbox.#bin);
    writeFileSync(path.join(sandbox.#bin, "az"), `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(fake)} "$@"\n`, { mode: 0o755 });
    return sandbox;
  }

  /** The environment under which `az` is the stand-in holding `state` (for code that runs `az` itself). */
  azEnvironment(state: FakeRegistry): Record<string, string> {
    const statePath = path.join(this.#directory, "state.json");
    writeFileSync(statePath, `${JSON.stringify(state, null, 2)}\n`);
    for (const file of ["calls.jsonl", "history.jsonl"]) writeFileSync(path.join(this.#directory, file), "");
    return { PATH: this.#bin, FAKE_AZ_STATE: statePath, FAKE_AZ_LOG: path.join(this.#directory, "calls.jsonl"), FAKE_AZ_HISTORY: path.join(this.#directory, "history.jsonl") };
  }

  /** Every `az` argv made since `azEnvironment` or `run`. */
  calls(): string[][] {
    return jsonLines(path.join(this.#directory, "calls.jsonl")) as string[][];
  }

  /** Runs `script` from `state`; `noAz` runs it with an empty PATH. */
  run(script: string, state: FakeRegistry, options: { args?: readonly string[]; env?: Record<string, string>; noAz?: boolean } = {}): ScriptRun {
    const scriptPath = path.join(this.#directory, "reconcile.sh");
    const statePath = path.join(this.#directory, "state.json");
    const logPath = path.join(this.#directory, "calls.jsonl");
    const historyPath = path.join(this.#directory, "history.jsonl");
    writeFileSync(scriptPath, script, { mode: 0o755 });
    writeFileSync(statePath, `${JSON.stringify(state, null, 2)}\n`);
    writeFileSync(logPath, "");
    writeFileSync(historyPath, "");
    const result = spawnSync(bash, [scriptPath, ...(options.args ?? [])], {
      encoding: "utf8",
      env: {
        PATH: options.noAz === true ? path.join(this.#directory, "empty") : this.#bin,
        FAKE_AZ_STATE: statePath,
        FAKE_AZ_LOG: logPath,
        FAKE_AZ_HISTORY: historyPath,
        ...options.env,
      },
    });
    if (result.error !== undefined) throw result.error;
    return {
      status: result.status,
      stdout: result.stdout,
      stderr: result.stderr,
      state: JSON.parse(readFileSync(statePath, "utf8")) as FakeRegistry,
      calls: jsonLines(logPath) as string[][],
      history: jsonLines(historyPath) as FakeRegistry[],
    };
  }

  dispose(): void {
    rmSync(this.#directory, { recursive: true, force: true });
  }
}

function jsonLines(file: string): unknown[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as unknown);
}

/** The bash that runs the scripts, found once: scripts run with PATH holding only `az`. */
const bash = (() => {
  const found = spawnSync("bash", ["-c", 'command -v bash'], { encoding: "utf8" }).stdout.trim();
  if (found === "") throw new Error("bash is not on PATH");
  return found;
})();

/** A registry's state as the service holds it, Premium and in sync with `registryNode()` unless told. */
export function serviceState(overrides: Partial<FakeRegistry> = {}): FakeRegistry {
  return {
    name: "myContainerRegistry",
    resourceGroup: "myResourceGroup",
    subscription: "00000000-0000-0000-0000-000000000000",
    sku: "Premium",
    publicNetworkAccess: "Enabled",
    defaultAction: "Deny",
    ipRules: [],
    ...overrides,
  };
}

/** A policy, the drifted service state its script starts from, and what the script must leave. */
export interface Scenario {
  readonly name: string;
  readonly policy: RegistrySpec;
  readonly drifted: FakeRegistry;
  readonly converged: FakeRegistry;
  /** The changes the run plans (and makes, in one PATCH), as the script prints them. */
  readonly changes: readonly string[];
}

export const scenarios: readonly Scenario[] = [
  {
    name: "the worked example: a stale rule and default Allow",
    policy: { rules: ["192.0.2.0/24"] },
    drifted: serviceState({ defaultAction: "Allow", ipRules: ["198.51.100.7", "192.0.2.0/24"] }),
    converged: serviceState({ ipRules: ["192.0.2.0/24"], networkRuleBypassOptions: "AzureServices" }),
    changes: ["set default action Allow -> Deny", "remove 198.51.100.7 (not in the policy)"],
  },
  {
    name: "bare addresses held for /32 rules, a duplicate, a stale range, a missing rule",
    policy: { rules: ["192.0.2.10/32", "203.0.113.5", "10.0.0.0/8"], subscription: "Contoso Production" },
    drifted: serviceState({ subscription: "Contoso Production", ipRules: ["192.0.2.10", "203.0.113.5/32", "192.0.2.10/32", "198.51.100.0/24"] }),
    converged: serviceState({ subscription: "Contoso Production", ipRules: ["10.0.0.0/8", "192.0.2.10/32", "203.0.113.5/32"], networkRuleBypassOptions: "AzureServices" }),
    changes: ["remove 192.0.2.10/32 (duplicate of 192.0.2.10/32)", "remove 198.51.100.0/24 (not in the policy)", "add 10.0.0.0/8"],
  },
  {
    name: "a rule held twice under the same string",
    policy: { rules: ["192.0.2.0/24"] },
    drifted: serviceState({ ipRules: ["192.0.2.0/24", "192.0.2.0/24"] }),
    converged: serviceState({ ipRules: ["192.0.2.0/24"], networkRuleBypassOptions: "AzureServices" }),
    changes: ["remove 192.0.2.0/24 (duplicate of 192.0.2.0/24)"],
  },
  {
    name: "public access disabled, from an open registry",
    policy: { publicAccess: "disabled" },
    drifted: serviceState({ defaultAction: "Allow", ipRules: ["203.0.113.0/24"] }),
    converged: serviceState({ publicNetworkAccess: "Disabled", ipRules: [], networkRuleBypassOptions: "AzureServices" }),
    changes: ["set public network access Enabled -> Disabled", "set default action Allow -> Deny", "remove 203.0.113.0/24 (not in the policy)"],
  },
  {
    name: "all networks, from selected networks",
    policy: { publicAccess: "all-networks" },
    drifted: serviceState({ ipRules: ["192.0.2.0/24"] }),
    converged: serviceState({ defaultAction: "Allow", ipRules: [], networkRuleBypassOptions: "AzureServices" }),
    changes: ["set default action Deny -> Allow", "remove 192.0.2.0/24 (not in the policy)"],
  },
  {
    name: "a quote-hostile resource group, public access never set",
    policy: { resourceGroup: "rg 'with' \"quotes\" $(touch x) `y`", rules: ["192.0.2.1"] },
    drifted: serviceState({ resourceGroup: "rg 'with' \"quotes\" $(touch x) `y`", publicNetworkAccess: null }),
    converged: serviceState({ resourceGroup: "rg 'with' \"quotes\" $(touch x) `y`", ipRules: ["192.0.2.1/32"], networkRuleBypassOptions: "AzureServices" }),
    changes: ["set public network access None -> Enabled", "add 192.0.2.1/32"],
  },
  {
    name: "trusted services turned off",
    policy: { rules: ["192.0.2.0/24"], trustedServices: false },
    drifted: serviceState({ ipRules: ["192.0.2.0/24"] }),
    converged: serviceState({ ipRules: ["192.0.2.0/24"], networkRuleBypassOptions: "None" }),
    changes: ["set trusted Azure services bypass AzureServices -> None"],
  },
  {
    name: "a Standard registry open to all networks, public access off",
    policy: { publicAccess: "all-networks" },
    drifted: serviceState({ sku: "Standard", publicNetworkAccess: "Disabled" }),
    converged: serviceState({ sku: "Standard", publicNetworkAccess: "Enabled" }),
    changes: ["set public network access Disabled -> Enabled"],
  },
];