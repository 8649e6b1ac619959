import { FatalError } from "../../diagnostics/fatal-error.js";
import type { OvhEndpoint } from "../../dsl/index.js";
import { assertNever } from "../../ir/assert-never.js";

/** Base URLs of the API endpoints, as go-ovh's `Endpoints` map and node-ovh's `endpoints.js` name them. */
export const ovhApiBases: Readonly<Record<OvhEndpoint, string>> = {
  "ovh-eu": "https://eu.api.ovh.com/1.0",
  "ovh-ca": "https://ca.api.ovh.com/1.0",
  "ovh-us": "https://api.us.ovhcloud.com/1.0",
};

/**
 * What `OVH_ENDPOINT` says. A name must agree with each registry's declared endpoint (credentials
 * are issued per endpoint, so a mismatch means the wrong account or the wrong region); a URL
 * replaces the API base for every registry, for a proxy or a local test server, as go-ovh
 * accepts a URL where it expects a name.
 */
export type EndpointSetting =
  | { readonly kind: "declared" }
  | { readonly kind: "name"; readonly name: OvhEndpoint }
  | { readonly kind: "url"; readonly url: string };

const loopbackHosts = new Set(["127.0.0.1", "[::1]", "localhost"]);

/** Reads `OVH_ENDPOINT`; unset or empty means "use each registry's declared endpoint". */
export function parseEndpointSetting(value: string | undefined): EndpointSetting {
  if (value === undefined || value.trim() === "") return { kind: "declared" };
  const text = value.trim();
  if (Object.hasOwn(ovhApiBases, text)) return { kind: "name", name: text as OvhEndpoint };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FatalError("config", `OVH_ENDPOINT "${text}" is neither ${Object.keys(ovhApiBases).join(", ")} nor a URL such as https://eu.api.ovh.com/1.0`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopbackHosts.has(url.hostname))) {
    throw new FatalError("config", `OVH_ENDPOINT "${text}" must use https (plain http only to a loopback address): requests carry the consumer key`);
  }
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    throw new FatalError("config", `OVH_ENDPOINT "${text}" must be a base URL without credentials, query or fragment`);
  }
  return { kind: "url", url: url.href.replace(/\/+$/, "") };
}

/** The API base one registry is applied through, or the reason it must not be. */
export function apiBaseFor(declared: OvhEndpoint, setting: EndpointSetting): { readonly ok: true; readonly url: string } | { readonly ok: false; readonly reason: string } {
  switch (setting.kind) {
    case "declared":
      return { ok: true, url: ovhApiBases[declared] };
    case "url":
      return { ok: true, url: setting.url };
    case "name":
      return setting.name === declared
        ? { ok: true, url: ovhApiBases[declared] }
        : { ok: false, reason: `OVH_ENDPOINT is ${setting.name} but the policy declares ${declared}` };
    default:
      return assertNever(setting);
  }
}
