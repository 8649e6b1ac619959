import { type CallSite, definedAt, stamp } from "./call-site.js";
import type { Network } from "./network.js";

/**
 * A registry address as vic-machine reads it: IP, IP:port, CIDR, FQDN, host:port or `*.domain`
 * (IPv6 in brackets: `[2001:db8::1]:5000`). No scheme, path or comma list: vic would read those
 * as entries that never match, so regfence reports them. `*.domain` does not match `domain`
 * itself; a CIDR matches IP-literal registries only, never a host name.
 *
 * @example
 * "10.2.40.40:443", "10.2.2.0/24", "*.mycompany.com", "registry.mycompany.com"
 */
export type RegistryAddress = string;

/**
 * A CA certificate file handed to `--registry-ca`.
 *
 * @example
 * { file: "/home/admin/mycerts/ca.crt", registry: "10.2.40.40:443" } // --registry-ca=/home/admin/mycerts/ca.crt
 */
export interface RegistryCa {
  /**
   * Path of the PEM file on the machine that runs vic-machine; regfence does not look for it.
   * No blanks, quotes, backslashes, glob characters or leading `~`: the `.flags` file is split
   * into words unquoted.
   */
  readonly file: string;
  /**
   * The registry this CA is for. A CA does not whitelist its registry: in whitelist mode the
   * registry must be whitelisted too, and naming it here lets regfence check that.
   */
  readonly registry?: RegistryAddress;
}

/**
 * Options of {@link containerHost}.
 *
 * @example
 * { whitelist: ["registry.mycompany.com", office], insecureRegistries: ["192.168.100.207"] }
 */
export interface ContainerHostOptions {
  /**
   * Registries the VCH may pull from (`--whitelist-registry`); none means every registry. Fixed
   * when the VCH is created: a change needs a redeploy. In whitelist mode vic-machine also
   * whitelists every insecure registry, and regfence emits those as whitelist entries too.
   */
  readonly whitelist?: readonly (RegistryAddress | Network)[];
  /** Registries reached without certificate verification (`--insecure-registry`); single hosts or IPs, never CIDRs or wildcards. */
  readonly insecureRegistries?: readonly RegistryAddress[];
  /** CA certificates for secure private registries (`--registry-ca`); the only registry setting `vic-machine configure` can change later. */
  readonly registryCas?: readonly (string | RegistryCa)[];
  /** Registries that are vSphere Integrated Containers Registry instances: never insecure, and reached only with their CA. */
  readonly vicRegistries?: readonly RegistryAddress[];
}

/**
 * A vSphere Integrated Containers virtual container host (VCH).
 *
 * @example
 * const vch: ContainerHost = containerHost("vch1", { whitelist: ["*.mycompany.com"] });
 */
export interface ContainerHost<Name extends string = string> extends ContainerHostOptions {
  readonly kind: "container-host";
  /** The VCH's `--name` and the name of its files under `out/vic/`: at most 31 letters, digits, '-' or '_'. */
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
 * // out/vic/vch1.flags (also vch1.sh, vch1.configure.sh):
 * // --whitelist-registry=10.2.2.0/24
 * // --whitelist-registry=10.2.40.40:443
 * // --whitelist-registry=192.168.100.207
 * // --whitelist-registry=*.mycompany.com
 * // --insecure-registry=192.168.100.207
 * // --registry-ca=/home/admin/mycerts/ca.crt
 */
export function containerHost<const Name extends string>(name: Name, options: ContainerHostOptions): ContainerHost<Name> {
  return stamp({ ...options, kind: "container-host" as const, name }, containerHost);
}
