import { FatalError } from "../../diagnostics/fatal-error.js";
import type { OvhEndpoint } from "../../dsl/index.js";
import type { ProgramNode } from "../../ir/model.js";
import type { ResolvedOvhOptions } from "./ovh-options.js";
import { OvhApiClient, OvhApiError, type OvhCredentials } from "./ovh-api-client.js";
import type { AppliedPart, TargetApply } from "../target-apply.js";
import { credentialsFromEnvironment } from "./ovh-credentials.js";
import { apiBaseFor, type EndpointSetting, parseEndpointSetting } from "./ovh-endpoint.js";
import { ipRestrictions, ovhRegistries, registryEndpoint, restrictionLists, restrictionPath, type RestrictionList } from "./restriction-payloads.js";
import { diffRestrictions, isEmptyDiff, normaliseRestrictions, type RestrictionDiff, type RestrictionSet } from "./restriction-diff.js";

/** One registry as the policies want it: the same payloads `compile` writes to out/ovh. */
export interface DesiredRegistry {
  readonly name: string;
  readonly endpoint: OvhEndpoint;
  readonly serviceName: string;
  readonly registryId: string;
  readonly lists: readonly { readonly list: RestrictionList; readonly path: string; readonly payload: RestrictionSet }[];
}

export function desiredRegistries(program: ProgramNode, options: ResolvedOvhOptions): DesiredRegistry[] {
  return ovhRegistries(program).map((registry) => ({
    name: registry.name,
    endpoint: registryEndpoint(registry, options),
    serviceName: registry.serviceName,
    registryId: registry.registryId,
    lists: restrictionLists.map((list) => ({ list, path: restrictionPath(registry, list), payload: ipRestrictions(registry[list]) })),
  }));
}

/**
 * What happened to one list: `in-sync` (nothing sent), `would-put` (dry run), `sent` (PUT accepted
 * but not read back as wanted) or `confirmed` (PUT, then GET shows exactly the wanted list).
 */
export type ListAction = "in-sync" | "would-put" | "sent" | "confirmed";

export interface ListOutcome {
  readonly list: RestrictionList;
  /** The API path; `url` is the full URL requested and signed. */
  readonly path: string;
  readonly url: string;
  /** The compiled payload, exactly what a PUT sends. */
  readonly desired: RestrictionSet;
  /** From what the first GET showed to what the policies want. */
  readonly diff: RestrictionDiff;
  readonly action: ListAction;
}

export interface RegistryOutcome {
  readonly registry: DesiredRegistry;
  /** The API base the requests went to. */
  readonly apiBase: string;
  /** The lists read before a failure stopped the registry, in order. */
  readonly lists: readonly ListOutcome[];
  readonly failure: { readonly message: string; readonly hint: string | undefined } | undefined;
}

export interface ApplyOvhOptions {
  readonly registries: readonly DesiredRegistry[];
  readonly setting: EndpointSetting;
  readonly credentials: OvhCredentials;
  readonly dryRun: boolean;
  readonly timeoutMs?: number;
}

/**
 * Reads both lists of every registry, PUTs only those that differ (unless a dry run) and reads
 * each back to confirm. A registry stops at its first failure; the others still run. Endpoint
 * mismatches are refused before any request.
 */
export async function applyOvh(options: ApplyOvhOptions): Promise<RegistryOutcome[]> {
  const bases = options.registries.map((registry) => ({ registry, base: apiBaseFor(registry.endpoint, options.setting) }));
  const mismatches = bases.flatMap(({ registry, base }) => (base.ok ? [] : [`  ${registry.name}: ${base.reason}`]));
  if (mismatches.length > 0) {
    throw new FatalError("config", `the API endpoint does not match the policies:\n${mismatches.join("\n")}\nSet OVH_ENDPOINT to the registry's endpoint, or choose registries with --registry`);
  }
  const clients = new Map<string, OvhApiClient>();
  const outcomes: RegistryOutcome[] = [];
  for (const { registry, base } of bases) {
    if (!base.ok) continue;
    let client = clients.get(base.url);
    if (client === undefined) {
      client = new OvhApiClient(base.url, options.credentials, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs });
      clients.set(base.url, client);
    }
    outcomes.push(await applyRegistry(registry, base.url, client, options.dryRun));
  }
  return outcomes;
}

/** A list outcome whose action `apply` moves on as it sends and confirms. */
export type MutableOutcome = { -readonly [K in keyof ListOutcome]: ListOutcome[K] };

/**
 * Both lists of a registry compared with what the policies want, read one after the other with
 * `read` (the API, or files saved from it); `where` names what was read. Outcomes are pushed as
 * they are read, so a failure part-way still reports the lists before it.
 */
export async function compareLists(
  registry: DesiredRegistry,
  read: (list: RestrictionList, path: string) => Promise<RestrictionSet>,
  where: (list: RestrictionList, path: string) => string,
  into: MutableOutcome[] = [],
): Promise<MutableOutcome[]> {
  for (const { list, path, payload } of registry.lists) {
    const diff = diffRestrictions(await read(list, path), payload);
    into.push({ list, path, url: where(list, path), desired: payload, diff, action: isEmptyDiff(diff) ? "in-sync" : "would-put" });
  }
  return into;
}

async function applyRegistry(registry: DesiredRegistry, apiBase: string, client: OvhApiClient, dryRun: boolean): Promise<RegistryOutcome> {
  const lists: MutableOutcome[] = [];
  try {
    await compareLists(registry, (_list, path) => read(client, path), (_list, path) => client.url(path), lists);
    if (!dryRun) {
      for (const outcome of lists.filter(({ action }) => action === "would-put")) {
        await client.put(outcome.path, outcome.desired);
        outcome.action = "sent";
        const left = diffRestrictions(await read(client, outcome.path), outcome.desired);
        if (!isEmptyDiff(left)) throw new NotConfirmedError(outcome.url, left);
        outcome.action = "confirmed";
      }
    }
    return { registry, apiBase, lists, failure: undefined };
  } catch (error) {
    return { registry, apiBase, lists, failure: { message: error instanceof Error ? error.message : String(error), hint: hintFor(error, registry, apiBase) } };
  }
}

async function read(client: OvhApiClient, path: string): Promise<RestrictionSet> {
  const value = await client.get(path);
  const parsed = normaliseRestrictions(value);
  if (!parsed.ok) throw new OvhApiError({ method: "GET", url: client.url(path), kind: "response", detail: parsed.reason });
  return parsed.set;
}

/** The PUT was accepted but reading the list back does not show it: it is not reported as applied. */
class NotConfirmedError extends Error {
  constructor(url: string, left: RestrictionDiff) {
    const entries = (set: RestrictionSet): string => set.map(({ ipBlock, description }) => `${ipBlock} ${JSON.stringify(description)}`).join(", ");
    const parts = [left.add.length > 0 ? `missing ${entries(left.add)}` : "", left.remove.length > 0 ? `unexpected ${entries(left.remove)}` : ""].filter((part) => part !== "");
    super(`PUT ${url} was accepted, but reading it back shows a different list (${parts.join("; ")}): not confirmed`);
    this.name = "NotConfirmedError";
  }
}

const credentialErrorCodes = new Set(["INVALID_SIGNATURE", "INVALID_CREDENTIAL", "INVALID_KEY", "NOT_GRANTED_CALL", "NOT_CREDENTIAL"]);

function hintFor(error: unknown, registry: DesiredRegistry, apiBase: string): string | undefined {
  if (error instanceof NotConfirmedError) return "run apply again; if the list still differs, the API is not storing it";
  if (!(error instanceof OvhApiError)) return undefined;
  if (error.kind === "network") return `check OVH_ENDPOINT (requests went to ${apiBase}) and the network path to it (proxy, firewall, DNS)`;
  if (error.status === 401 || error.status === 403 || (error.errorCode !== undefined && credentialErrorCodes.has(error.errorCode))) {
    return `check OVH_APPLICATION_KEY, OVH_APPLICATION_SECRET and OVH_CONSUMER_KEY (issued for ${registry.endpoint}), and that the consumer key is granted GET and PUT on /cloud/project/*/containerRegistry/*/ipRestrictions/*`;
  }
  if (error.status === 404) {
    return `check serviceName "${registry.serviceName}" and registryId "${registry.registryId}" of "${registry.name}", and that the project is on ${registry.endpoint}`;
  }
  return undefined;
}

const plural = (count: number, noun: string, nouns: string): string => `${count} ${count === 1 ? noun : nouns}`;

/** One list as `apply` and `plan` report it. */
export function partOf(outcome: ListOutcome, dryRun: boolean): AppliedPart {
  const entries = plural(outcome.desired.length, "entry", "entries");
  const action = outcome.action === "would-put" ? "pending" : outcome.action;
  const result = { "in-sync": "", "would-put": dryRun ? "would PUT" : "not sent", sent: "PUT sent, not confirmed", confirmed: "PUT, confirmed" }[outcome.action];
  const change = (sign: string) => ({ ipBlock, description }: { ipBlock: string; description: string }) => `${sign} ${ipBlock} ${JSON.stringify(description)}`;
  return {
    part: outcome.list,
    action,
    outcome: outcome.action === "in-sync" ? `in sync (${entries})` : `${outcome.diff.add.length} to add, ${outcome.diff.remove.length} to remove: ${result} (${entries})`,
    lines: [...outcome.diff.add.map(change("+")), ...outcome.diff.remove.map(change("-"))],
    json: { list: outcome.list, url: outcome.url, action: outcome.action, add: outcome.diff.add, remove: outcome.diff.remove },
  };
}

function summaryOf(outcomes: readonly RegistryOutcome[], dryRun: boolean): string {
  const actions = outcomes.flatMap(({ lists }) => lists.map(({ action }) => action));
  const count = (action: ListOutcome["action"]): number => actions.filter((each) => each === action).length;
  const failed = outcomes.filter(({ failure }) => failure !== undefined).length;
  // What could not be read is unknown: a dry run never claims that nothing would change.
  if (dryRun && failed > 0) return `dry run: incomplete, ${failed} of ${plural(outcomes.length, "registry", "registries")} could not be read; nothing was sent`;
  if (dryRun) return `dry run: ${count("would-put") === 0 ? "nothing would change" : `${plural(count("would-put"), "list", "lists")} would be replaced`}; nothing was sent`;
  if (count("confirmed") > 0) return `applied ${plural(count("confirmed"), "list", "lists")}, each confirmed by reading it back; IP restrictions take about 30 s to propagate`;
  return failed === 0 ? "nothing to do: every list matches the policies" : "";
}

/**
 * `regfence apply ovh`: both IP restriction lists of each registry, read, compared with the
 * compiled payloads, replaced only where they differ, and read back. Requests are signed with the
 * credentials OVH's own clients read from the environment.
 */
export const applyOvhTarget: TargetApply<ResolvedOvhOptions> = {
  selector: "registry",
  plural: "registries",
  environmentHelp: `  OVH_APPLICATION_KEY, OVH_APPLICATION_SECRET, OVH_CONSUMER_KEY
                       API credentials (required); the consumer key needs GET and PUT on
                       /cloud/project/*/containerRegistry/*/ipRestrictions/*
  OVH_ENDPOINT         ovh-eu, ovh-ca or ovh-us: must match each registry's endpoint (default:
                       the registry's own); or an API base URL (https, or http to a loopback
                       address) used instead, for a proxy or a test server`,
  names: (program, options) => desiredRegistries(program, options).map(({ name }) => name),
  async run(program, options, request) {
    const registries = desiredRegistries(program, options).filter(({ name }) => request.only?.has(name) ?? true);
    const setting = parseEndpointSetting(request.environment["OVH_ENDPOINT"]);
    const outcomes = await applyOvh({ registries, setting, credentials: credentialsFromEnvironment(request.environment), dryRun: request.dryRun });
    return {
      items: outcomes.map((outcome) => ({
        name: outcome.registry.name,
        where: `${outcome.registry.endpoint}, ${outcome.apiBase}`,
        parts: outcome.lists.map((list) => partOf(list, request.dryRun)),
        failure: outcome.failure,
        json: { registry: outcome.registry.name, endpoint: outcome.registry.endpoint, apiBase: outcome.apiBase },
      })),
      summary: summaryOf(outcomes, request.dryRun),
    };
  },
};
