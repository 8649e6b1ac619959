import type { HarborProvider } from "../../dsl/index.js";
import { atLeast, type HarborVersion, v } from "./harbor-version.js";

/**
 * Harbor's registry type and URL for well-known upstream hosts (each adapter's endpoint pattern,
 * Harbor `src/pkg/reg/adapter/*`). Docker Hub's adapter talks to registry-1.docker.io whatever the
 * URL; Harbor's own docs and its Terraform provider give `https://hub.docker.com`.
 */
export function knownProvider(registry: string, version: HarborVersion): { readonly provider: HarborProvider; readonly url: string } | undefined {
  if (registry === "docker.io") return { provider: "docker-hub", url: "https://hub.docker.com" };
  if (registry === "ghcr.io") return { provider: "github-ghcr", url: "https://ghcr.io" };
  // Harbor 2.14 dropped quay from the types that may back a proxy cache: the generic adapter serves Quay.
  if (registry === "quay.io") return { provider: atLeast(version, v(2, 14)) ? "docker-registry" : "quay", url: "https://quay.io" };
  if (["gcr.io", "us.gcr.io", "eu.gcr.io", "asia.gcr.io"].includes(registry)) return { provider: "google-gcr", url: `https://${registry}` };
  if (registry.endsWith(".azurecr.io")) return { provider: "azure-acr", url: `https://${registry}` };
  if (["registry.k8s.io", "public.ecr.aws", "mcr.microsoft.com", "registry.gitlab.com", "docker.elastic.co", "nvcr.io"].includes(registry)) {
    return { provider: "docker-registry", url: `https://${registry}` };
  }
  return undefined;
}

/**
 * The registry types a default install lets back a proxy-cache project, by the Harbor version
 * that added them (`PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE`, make/photon/prepare/templates/core/env.jinja);
 * quay left in 2.14. A deployment can set its own list: Harbor then answers 400 "unsupported registry type".
 */
const permittedSince: Readonly<Record<HarborProvider, readonly [HarborVersion, HarborVersion | null]>> = {
  "docker-hub": [v(2, 1), null],
  harbor: [v(2, 1), null],
  "azure-acr": [v(2, 2), null],
  "aws-ecr": [v(2, 2), null],
  "google-gcr": [v(2, 2), null],
  quay: [v(2, 2), v(2, 14)],
  "docker-registry": [v(2, 3), null],
  "github-ghcr": [v(2, 6), null],
  "jfrog-artifactory": [v(2, 7), null],
  "ali-acr": [v(2, 12), null],
};

/** Whether a default install of `version` lets `provider` back a proxy cache; the versions that do, otherwise. */
export function permittedForProxyCache(provider: HarborProvider, version: HarborVersion): { readonly ok: true } | { readonly ok: false; readonly range: string } {
  const [from, until] = permittedSince[provider];
  if (atLeast(version, from) && (until === null || !atLeast(version, until))) return { ok: true };
  return { ok: false, range: until === null ? `${from.major}.${from.minor} and later` : `${from.major}.${from.minor} to ${until.major}.${until.minor - 1}` };
}
