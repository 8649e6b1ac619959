import { compareText } from "../diagnostics/diagnostic.js";
import { parseImageReference } from "../ir/docker-reference.js";
import type { PolicyNode, ProgramNode, RegistryNode } from "../ir/model.js";
import { uniqueBlocks } from "../targets/ip-rule-list.js";
import { explainImage, hasImageRules, registryProbes } from "../targets/kyverno/explain-image.js";
import { endpointsOf } from "../targets/network-access.js";

/** What one endpoint lets in: everyone, no one, or these blocks (with the networks they come from). */
type Access = { readonly kind: "everyone" } | { readonly kind: "no-one" } | { readonly kind: "blocks"; readonly blocks: ReadonlyMap<string, string> };

function endpointAccess(registry: RegistryNode): [string, Access][] {
  return endpointsOf(registry).map(({ name, access }) => [
    name,
    access.kind === "rules" ? { kind: "blocks", blocks: new Map(uniqueBlocks(access.rules).map((rule) => [rule.block.cidr, rule.network])) } : access,
  ]);
}

function accessOf(program: ProgramNode): Map<string, Access> {
  return new Map(program.policies.flatMap((policy) => policy.registries.flatMap(endpointAccess)));
}

const describeAccess = (access: Access): string => (access.kind === "everyone" ? "open to everyone" : access.kind === "no-one" ? "closed to everyone" : `${access.blocks.size} ${access.blocks.size === 1 ? "block" : "blocks"}`);

/** One image's route and verdict before and after. */
export interface ImageChange {
  readonly image: string;
  readonly before: string;
  readonly after: string;
}

export interface AccessDiff {
  /** `+ 203.0.113.0/24 (office) now reaches mpr-prod/management`, per endpoint. */
  readonly networks: readonly string[];
  readonly images: readonly ImageChange[];
  readonly credentials: readonly string[];
  readonly containerHosts: readonly string[];
}

function networkChanges(before: ProgramNode, after: ProgramNode): string[] {
  const was = accessOf(before);
  const is = accessOf(after);
  const lines: string[] = [];
  for (const endpoint of [...new Set([...was.keys(), ...is.keys()])].sort(compareText)) {
    const old = was.get(endpoint);
    const now = is.get(endpoint);
    if (old === undefined && now !== undefined) lines.push(`+ ${endpoint}: new, ${describeAccess(now)}`);
    else if (old !== undefined && now === undefined) lines.push(`- ${endpoint}: no longer managed (it was ${describeAccess(old)})`);
    else if (old !== undefined && now !== undefined) {
      if (old.kind !== now.kind) lines.push(`~ ${endpoint}: ${describeAccess(old)} → ${describeAccess(now)}`);
      if (old.kind === "blocks" && now.kind === "blocks") {
        for (const [block, network] of now.blocks) if (!old.blocks.has(block)) lines.push(`+ ${block} (${network}) now reaches ${endpoint}`);
        for (const [block, network] of old.blocks) if (!now.blocks.has(block)) lines.push(`- ${block} (${network}) no longer reaches ${endpoint}`);
      }
    }
  }
  return lines;
}

/**
 * The images whose fate is worth showing: one from each registry either revision rewrites or
 * allows, and every image a policy's tests name.
 */
function probeImages(programs: readonly ProgramNode[]): string[] {
  const images = new Set<string>();
  for (const policy of programs.flatMap((program) => program.policies)) {
    for (const { image } of registryProbes(policy)) images.add(image);
    for (const test of policy.tests) if (test.kind === "image-test") images.add(test.image);
  }
  return [...images].filter((image) => parseImageReference(image).ok).sort(compareText);
}

function fate(policies: readonly PolicyNode[], image: string): string {
  const decision = explainImage(policies.filter(hasImageRules), image);
  return `${decision.rewritten === image ? "not rewritten" : `→ ${decision.rewritten}`}, ${decision.admitted ? "admitted" : "denied"}`;
}

function imageChanges(before: ProgramNode, after: ProgramNode): ImageChange[] {
  return probeImages([before, after]).flatMap((image) => {
    const was = fate(before.policies, image);
    const is = fate(after.policies, image);
    return was === is ? [] : [{ image, before: was, after: is }];
  });
}

function named<T>(program: ProgramNode, pick: (policy: PolicyNode) => readonly T[], key: (item: T) => string): Map<string, T> {
  return new Map(program.policies.flatMap((policy) => pick(policy).map((item) => [key(item), item] as const)));
}

function credentialChanges(before: ProgramNode, after: ProgramNode): string[] {
  const describe = (credential: PolicyNode["credentials"][number]) =>
    `${credential.name} (${credential.server}, ${credential.delivery.kind === "external-secret" ? "ExternalSecret" : "Secret"}${credential.delivery.namespace === null ? "" : ` in ${credential.delivery.namespace}`})`;
  const was = named(before, (policy) => policy.credentials, (credential) => credential.name);
  const is = named(after, (policy) => policy.credentials, (credential) => credential.name);
  const lines: string[] = [];
  for (const [name, credential] of is) {
    const old = was.get(name);
    if (old === undefined) lines.push(`+ ${describe(credential)}`);
    else if (describe(old) !== describe(credential)) lines.push(`~ ${describe(old)} → ${describe(credential)}`);
  }
  for (const [name, credential] of was) if (!is.has(name)) lines.push(`- ${describe(credential)}`);
  return lines;
}

function hostChanges(before: ProgramNode, after: ProgramNode): string[] {
  const entries = (host: PolicyNode["containerHosts"][number]) => new Set([...host.whitelist, ...host.insecureRegistries].map(({ address }) => address));
  const was = named(before, (policy) => policy.containerHosts, (host) => host.name);
  const is = named(after, (policy) => policy.containerHosts, (host) => host.name);
  const lines: string[] = [];
  for (const name of [...new Set([...was.keys(), ...is.keys()])].sort(compareText)) {
    const old = was.get(name);
    const now = is.get(name);
    if (old === undefined) lines.push(`+ VCH ${name}`);
    else if (now === undefined) lines.push(`- VCH ${name}`);
    else {
      const [a, b] = [entries(old), entries(now)];
      for (const entry of b) if (!a.has(entry)) lines.push(`+ VCH ${name} may pull from ${entry}`);
      for (const entry of a) if (!b.has(entry)) lines.push(`- VCH ${name} may no longer pull from ${entry}`);
    }
  }
  return lines;
}

/**
 * What a change to the policies opens or closes, as a reviewer asks it: which addresses gain or
 * lose an endpoint, which images are routed or judged otherwise, which credentials come and go,
 * what a VCH may pull from. Secret values play no part: credentials are compared by name, server
 * and delivery.
 */
export function accessDiff(before: ProgramNode, after: ProgramNode): AccessDiff {
  return { networks: networkChanges(before, after), images: imageChanges(before, after), credentials: credentialChanges(before, after), containerHosts: hostChanges(before, after) };
}
