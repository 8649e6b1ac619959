/**
 * A stand-in for the Azure CLI, just enough of `az acr` and `az rest` for the reconcile scripts
 * and `regfence plan`/`import`:
 * one registry kept in the JSON file `$FAKE_AZ_STATE`, every argv appended to `$FAKE_AZ_LOG` (JSON
 * lines) so a test can assert the calls and replay them against the real `az`. It behaves like
 * CLI 2.45 where the scripts depend on it: network rules need Premium, `--query` is JMESPath and
 * `-o tsv` prints as knack does. Unknown commands and options fail with exit 2, as in argparse.
 *
 * `az rest --method patch --url <registry id>?api-version=2023-07-01 --body <json>` applies the
 * registry properties the body names (publicNetworkAccess, networkRuleBypassOptions, and
 * networkRuleSet, whose ipRules it replaces), as ARM's PATCH does; rule sets need Premium. With
 * `FAKE_AZ_PATCH_IGNORED=1` the PATCH succeeds and changes nothing, as a service that lost it
 * would. After every call that changes the registry, its state is appended to `$FAKE_AZ_HISTORY`
 * (JSON lines), so a test can check every intermediate state, not only the last.
 * Bundled with esbuild and run by plain Node (see azure-script.test.ts).
 */
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import jmespath from "jmespath";

export interface FakeRegistry {
  readonly name: string;
  readonly resourceGroup: string;
  /** The caller's default subscription; `--subscription` must name it. */
  readonly subscription: string;
  readonly sku: "Basic" | "Standard" | "Premium";
  readonly publicNetworkAccess: "Enabled" | "Disabled" | null;
  readonly defaultAction: "Allow" | "Deny";
  /** `ipAddressOrRange` values, in service order. */
  readonly ipRules: readonly string[];
  /** `networkRuleBypassOptions` (Azure's default: AzureServices). */
  readonly networkRuleBypassOptions?: "AzureServices" | "None";
  /** Legacy service-endpoint rules (`virtualNetworkResourceId`), which still admit traffic. */
  readonly virtualNetworkRules?: readonly string[];
}

/** The subscription id in the registry's resource id. */
const subscriptionId = "00000000-0000-0000-0000-000000000000";

export function resourceId(registry: FakeRegistry): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${registry.resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${registry.name}`;
}

const NETWORK_RULE_NOT_SUPPORTED = "Network rules are only supported for managed registries in Premium SKU.";

class AzError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode: number) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** The options each command takes, after aliases are resolved; `true` marks a flag without a value. */
const commands: Readonly<Record<string, Readonly<Record<string, boolean>>>> = {
  "acr list": {},
  "acr show": {},
  "acr network-rule list": {},
  rest: { "--method": false, "--url": false, "--body": false },
};
const common: Readonly<Record<string, boolean>> = {
  "--name": false,
  "--resource-group": false,
  "--subscription": false,
  "--query": false,
  "--output": false,
  "--only-show-errors": true,
};
const aliases: Readonly<Record<string, string>> = { "-n": "--name", "-g": "--resource-group", "-o": "--output" };

function parse(argv: readonly string[]): { command: string; options: Map<string, string> } {
  const words = argv.slice(0, argv[0] === "rest" ? 1 : argv[1] === "network-rule" ? 3 : 2);
  const command = words.join(" ");
  const accepted = commands[command];
  if (accepted === undefined) throw new AzError(`'${command}' is misspelled or not recognized by the system.`, 2);
  const options = new Map<string, string>();
  for (let index = words.length; index < argv.length; index++) {
    const word = argv[index] ?? "";
    const equals = word.startsWith("--") ? word.indexOf("=") : -1;
    const written = equals < 0 ? word : word.slice(0, equals);
    const name = aliases[written] ?? written;
    const isFlag = accepted[name] ?? common[name];
    if (isFlag === undefined) throw new AzError(`unrecognized arguments: ${word}`, 2);
    if (isFlag) {
      options.set(name, "");
      continue;
    }
    const value = equals < 0 ? argv[++index] : word.slice(equals + 1);
    if (value === undefined || (equals < 0 && value.startsWith("-"))) throw new AzError(`argument ${written}: expected one argument`, 2);
    options.set(name, value);
  }
  if (command === "rest") {
    if (!options.has("--url")) throw new AzError("the following arguments are required: --url/--uri/-u", 2);
  } else if (command !== "acr list" && !options.has("--name")) throw new AzError("the following arguments are required: --name/-n", 2);
  return { command, options };
}

function choice<T extends string>(options: Map<string, string>, name: string, allowed: readonly T[]): T | undefined {
  const value = options.get(name);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new AzError(`'${value}' is not a valid value for '${name}'. Allowed values: ${allowed.join(", ")}.`, 2);
  return value as T;
}

function shown(registry: FakeRegistry): unknown {
  return {
    id: resourceId(registry),
    name: registry.name,
    resourceGroup: registry.resourceGroup,
    sku: { name: registry.sku, tier: registry.sku },
    publicNetworkAccess: registry.publicNetworkAccess,
    networkRuleBypassOptions: registry.networkRuleBypassOptions ?? "AzureServices",
    networkRuleSet: registry.sku === "Premium" ? { defaultAction: registry.defaultAction, ipRules: ipRules(registry), virtualNetworkRules: virtualNetworkRules(registry) } : null,
  };
}

function virtualNetworkRules(registry: FakeRegistry): unknown[] {
  return (registry.virtualNetworkRules ?? []).map((id) => ({ action: "Allow", virtualNetworkResourceId: id }));
}

function ipRules(registry: FakeRegistry): unknown[] {
  return registry.ipRules.map((value) => ({ action: "Allow", ipAddressOrRange: value }));
}

const ipv4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\/(?:3[0-2]|[12]?\d))?$/;

/** Runs one command against the registry: the new state (when it changed) and the result. */
function run(command: string, options: Map<string, string>, registry: FakeRegistry): { state?: FakeRegistry; result: unknown } {
  const premium = (): void => {
    if (registry.sku !== "Premium") throw new AzError(NETWORK_RULE_NOT_SUPPORTED, 1);
  };
  switch (command) {
    case "acr list":
      return { result: [shown(registry)] };
    case "acr show":
      return { result: shown(registry) };
    case "acr network-rule list":
      premium();
      return { result: { ipRules: ipRules(registry), virtualNetworkRules: virtualNetworkRules(registry) } };
    case "rest":
      return { state: process.env["FAKE_AZ_PATCH_IGNORED"] === "1" ? registry : patchRegistry(options, registry), result: null };
    default:
      throw new AzError(`'${command}' is not implemented by the stand-in`, 2);
  }
}

interface PatchBody {
  readonly properties?: {
    readonly publicNetworkAccess?: "Enabled" | "Disabled";
    readonly networkRuleBypassOptions?: "AzureServices" | "None";
    readonly networkRuleSet?: { readonly defaultAction: "Allow" | "Deny"; readonly ipRules?: readonly { readonly action: string; readonly value: string }[] };
  };
}

/** ARM's PATCH of the registry, limited to the properties the scripts set; anything else is refused. */
function patchRegistry(options: Map<string, string>, registry: FakeRegistry): FakeRegistry {
  if (options.get("--method") !== "patch") throw new AzError(`the stand-in only PATCHes, not ${options.get("--method") ?? "GET"}`, 2);
  const url = options.get("--url") ?? "";
  if (url !== `${resourceId(registry)}?api-version=2023-07-01`) throw new AzError(`(ResourceNotFound) ${url}`, 3);
  const body = JSON.parse(options.get("--body") ?? "{}") as PatchBody;
  const unknown = Object.keys(body).filter((key) => key !== "properties");
  const properties = body.properties ?? {};
  unknown.push(...Object.keys(properties).filter((key) => !["publicNetworkAccess", "networkRuleBypassOptions", "networkRuleSet"].includes(key)));
  if (unknown.length > 0) throw new AzError(`the stand-in does not PATCH ${unknown.join(", ")}`, 2);
  const ruleSet = properties.networkRuleSet;
  if (ruleSet !== undefined && registry.sku !== "Premium") throw new AzError(NETWORK_RULE_NOT_SUPPORTED, 1);
  const values = (ruleSet?.ipRules ?? []).map((rule) => {
    if (rule.action !== "Allow" || !ipv4.test(rule.value)) throw new AzError(`(InvalidIpRule) The IP rule '${rule.value}' is not a valid IPv4 address or range.`, 1);
    return rule.value;
  });
  if (values.length > 100) throw new AzError("BadRequestError: The requested feature IP rule exceeds allowed quota 100 for the SKU Premium.", 1);
  return {
    ...registry,
    publicNetworkAccess: properties.publicNetworkAccess ?? registry.publicNetworkAccess,
    ...(properties.networkRuleBypassOptions === undefined ? {} : { networkRuleBypassOptions: properties.networkRuleBypassOptions }),
    defaultAction: ruleSet?.defaultAction ?? registry.defaultAction,
    ipRules: ruleSet === undefined ? registry.ipRules : values,
  };
}

/** knack's TSV: one row per item of a list result; a row's dict values in key order, nested lists as their length. */
export function formatTsv(result: unknown): string {
  const cell = (value: unknown): string => {
    if (Array.isArray(value)) return String(value.length);
    if (typeof value === "object" && value !== null) return "";
    return pythonString(value);
  };
  const row = (data: unknown): string => {
    if (Array.isArray(data)) return data.map(cell).join("\t");
    if (typeof data === "object" && data !== null) {
      return Object.keys(data)
        .sort()
        .map((key) => cell((data as Record<string, unknown>)[key]))
        .join("\t");
    }
    if (typeof data === "boolean") return String(data);
    return cell(data);
  };
  return (Array.isArray(result) ? result : [result]).map((item) => `${row(item)}\n`).join("");
}

function pythonString(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  return String(value);
}

function main(argv: readonly string[]): number {
  const statePath = process.env["FAKE_AZ_STATE"];
  const logPath = process.env["FAKE_AZ_LOG"];
  if (statePath === undefined || logPath === undefined) throw new Error("FAKE_AZ_STATE and FAKE_AZ_LOG must be set");
  appendFileSync(logPath, `${JSON.stringify(argv)}\n`);
  try {
    const { command, options } = parse(argv);
    const output = choice(options, "--output", ["json", "jsonc", "tsv", "none", "table", "yaml", "yamlc"] as const) ?? "json";
    const registry = JSON.parse(readFileSync(statePath, "utf8")) as FakeRegistry;
    const subscription = options.get("--subscription");
    if (subscription !== undefined && subscription !== registry.subscription) throw new AzError(`Subscription '${subscription}' not found. Check the spelling and casing and try again.`, 1);
    const name = options.get("--name") ?? registry.name;
    const group = options.get("--resource-group");
    if (name.toLowerCase() !== registry.name.toLowerCase() || (group !== undefined && group.toLowerCase() !== registry.resourceGroup.toLowerCase())) {
      throw new AzError(`(ResourceNotFound) The Resource 'Microsoft.ContainerRegistry/registries/${name}' under resource group '${group ?? ""}' was not found.`, 3);
    }
    const { state, result } = run(command, options, registry);
    if (state !== undefined) {
      writeFileSync(statePath, `${JSON.stringify(state, null, 2)}\n`);
      const historyPath = process.env["FAKE_AZ_HISTORY"];
      if (historyPath !== undefined && historyPath !== "") appendFileSync(historyPath, `${JSON.stringify(state)}\n`);
    }
    const query = options.get("--query");
    const queried: unknown = query === undefined ? result : jmespath.search(result, query);
    if (queried === null || queried === undefined || output === "none") return 0;
    process.stdout.write(output === "tsv" ? formatTsv(queried) : `${JSON.stringify(queried, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof AzError)) throw error;
    process.stderr.write(`ERROR: ${error.message}\n`);
    return error.exitCode;
  }
}

// Only the bundled stand-in runs with a state file; a test importing this module runs nothing.
if (process.env["FAKE_AZ_STATE"] !== undefined) process.exitCode = main(process.argv.slice(2));
