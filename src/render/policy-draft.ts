/**
 * A policy as `regfence import` writes it, before it is TypeScript: DSL calls whose arguments are
 * plain values, references to networks and to environment variables. Targets build drafts from
 * the state they read; `policy-source.ts` turns one into formatted `.policy.ts` source.
 */

/** A network as a policy defines it. */
export interface NetworkDraft {
  readonly name: string;
  readonly rules: readonly { readonly cidr: string; readonly description: string }[];
  /** Used by several registries (or targets): defined once in `networks.ts` and imported. */
  readonly shared: boolean;
}

/** A reference to a network of the draft, written as its constant. */
export class NetworkUse {
  readonly name: string;

  constructor(name: string) {
    this.name = name;
  }
}

/**
 * The networks of one address list read from a target (`ovh mpr-prod management`), decided when
 * the lists of every target imported together are factored into networks.
 */
export class PlaceUse {
  readonly place: string;

  constructor(place: string) {
    this.place = place;
  }
}

/** A secret read from an environment variable: `fromEnv("NAME")`; the value is never known to the draft. */
export class EnvUse {
  readonly variable: string;

  constructor(variable: string) {
    this.variable = variable;
  }
}

/** The variable a policy reads a secret of `name` from: `ghcr.io`, `PASSWORD` → `GHCR_IO_PASSWORD`. */
export function variableFor(name: string, suffix: string): string {
  return `${name.toUpperCase().replace(/[^A-Z0-9]+/g, "_").replace(/^_+|_+$/g, "")}_${suffix}`;
}

/** A DSL call: `ovhRegistry("mpr-prod", { … })`. */
export class DraftCall {
  readonly callee: string;
  readonly args: readonly DraftValue[];

  constructor(callee: string, args: readonly DraftValue[]) {
    this.callee = callee;
    this.args = args;
  }
}

export type DraftValue = string | number | boolean | NetworkUse | PlaceUse | EnvUse | DraftCall | readonly DraftValue[] | { readonly [key: string]: DraftValue | undefined };

/** The policy file's fields besides its name and networks, each a DSL value. */
export interface PolicyDraftFields {
  readonly registries?: readonly DraftCall[];
  readonly containerHosts?: readonly DraftCall[];
  readonly credentials?: readonly DraftCall[];
  readonly proxyCache?: DraftCall;
  readonly admission?: DraftValue;
}

export interface PolicyDraft {
  readonly name: string;
  /** The policy's doc comment: where it was imported from. */
  readonly comment: string;
  readonly networks: readonly NetworkDraft[];
  readonly fields: PolicyDraftFields;
}
