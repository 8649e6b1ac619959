import { azureTarget } from "./azure/azure-target.js";
import { credentialsTarget } from "./credentials/credentials-target.js";
import { harborTarget } from "./harbor/harbor-target.js";
import { kyvernoTarget } from "./kyverno/kyverno-target.js";
import { nodesTarget } from "./nodes/nodes-target.js";
import { ovhTarget } from "./ovh/ovh-target.js";
import { reportTarget } from "./report/report-target.js";
import type { AnyTarget, Target } from "./target.js";
import { vicTarget } from "./vic/vic-target.js";

/**
 * Every target, by name, in the order they run and are summarised: the one list a new target is
 * added to. Target names, the config's `targets` and its per-target sections derive from it.
 */
export const allTargets = {
  kyverno: kyvernoTarget,
  harbor: harborTarget,
  nodes: nodesTarget,
  azure: azureTarget,
  ovh: ovhTarget,
  vic: vicTarget,
  credentials: credentialsTarget,
  report: reportTarget,
} as const satisfies { readonly [Name in string]: Target<Name, never, never> | Target<Name, unknown, unknown> };

/**
 * The emitters regfence has; `--target` and the config's `targets` choose among them.
 *
 * @example
 * targets: ["kyverno", "azure"] // or: regfence compile --target kyverno,azure
 */
export type TargetName = keyof typeof allTargets;

/** The target names, for the config schema and `--target`. */
export const targetNames = Object.keys(allTargets) as [TargetName, ...TargetName[]];

/** The target of a name, as the pipeline handles every target alike. */
export function targetNamed(name: TargetName): AnyTarget {
  return allTargets[name] as AnyTarget;
}

type WrittenOptions<T> = T extends Target<string, unknown, infer Written> ? (unknown extends Written ? never : Written) : never;
type ResolvedOptions<T> = T extends Target<string, infer Resolved, unknown> ? Resolved : undefined;

/** The config's per-target sections: `ovh?: OvhTargetOptions`, … for each target that has options. */
export type TargetSections = {
  readonly [Name in TargetName as WrittenOptions<(typeof allTargets)[Name]> extends never ? never : Name]?: WrittenOptions<(typeof allTargets)[Name]>;
};

/** Every target's options, defaults applied, by target name. */
export type ResolvedTargetOptions = { readonly [Name in TargetName]: ResolvedOptions<(typeof allTargets)[Name]> };
