import { type CallSite, definedAt, stamp } from "./call-site.js";
import type { Network } from "./network.js";

/**
 * A registry address as vic-machine reads it: IP, IP:port, CIDR, FQDN, host:port or `*.domain`.
 *
 * @example
 * "10.2.40.40:443", "10.2.2.0/24", "*.mycompany.com", "registry.mycompany.com"
 */
export type RegistryAddress = string;

/** A CA certificate file handed to `--registry-ca`. */
export interface RegistryCa {
  /** Path of the PEM file on the machine that runs vic-machine. */
  readonly file: string;
  /** The whitelisted registry this CA is for; lets regfence check it is whitelisted. */
  readonly registry?: RegistryAddress;
}

/** Options of {@link containerHost}. */
export interface ContainerHostOptions {
  /** Registries the VCH may pull from (`--whitelist-registry`); none means every registry. */
  readonly whitelist?: readonly (RegistryAddress | Network)[];
  /** Registries reached without certificate verification (`--insecure-registry`). */
  readonly insecureRegistries?: readonly RegistryAddress[];
  /** CA certificates for secure private registries (`--registry-ca`). */
  readonly registryCas?: readonly (string | RegistryCa)[];
  /** Registries that are vSphere Integrated Containers Registry instances (never insecure). */
  readonly vicRegistries?: readonly RegistryAddress[];
}

/** A vSphere Integrated Containers virtual container host (VCH). */
export interface ContainerHost<Name extends string = string> extends ContainerHostOptions {
  readonly kind: "container-host";
  readonly name: Name;
  readonly [definedAt]: CallSite;
}

/**
 * Declares the registry access of a virtual container host.
 *
 * @example
 * containerHost("vch1", {
 *   whitelist: ["10.2.40.40:443", "10.2.2.0/24", "*.mycompany.com"],
 *   insecureRegistries: ["192.168.100.207"],
 *   registryCas: [{ file: "/home/admin/mycerts/ca.crt", registry: "10.2.40.40:443" }],
 * })
 * // --whitelist-registry 10.2.40.40:443 … --insecure-registry 192.168.100.207 --registry-ca …
 */
export function containerHost<const Name extends string>(name: Name, options: ContainerHostOptions): ContainerHost<Name> {
  return stamp({ ...options, kind: "container-host" as const, name }, containerHost);
}
