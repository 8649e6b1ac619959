import { FatalError } from "../../diagnostics/fatal-error.js";
import type { OvhCredentials } from "./ovh-api-client.js";

/** The variables OVH's own clients (go-ovh, the Terraform provider) read, so one environment serves all. */
const variables = {
  applicationKey: "OVH_APPLICATION_KEY",
  applicationSecret: "OVH_APPLICATION_SECRET",
  consumerKey: "OVH_CONSUMER_KEY",
} as const satisfies Record<keyof OvhCredentials, string>;

/** Reads the credentials from the environment; names every missing variable, never a value. */
export function credentialsFromEnvironment(environment: Readonly<Record<string, string | undefined>>): OvhCredentials {
  const value = (name: string): string => environment[name]?.trim() ?? "";
  const missing = Object.values(variables).filter((name) => value(name) === "");
  if (missing.length > 0) {
    throw new FatalError(
      "config",
      `missing OVH API credentials: set ${missing.join(", ")} (create them at https://eu.api.ovh.com/createToken/ or the ca/us equivalent, with GET and PUT on /cloud/project/*/containerRegistry/*/ipRestrictions/*)`,
    );
  }
  return { applicationKey: value(variables.applicationKey), applicationSecret: value(variables.applicationSecret), consumerKey: value(variables.consumerKey) };
}
