import { network } from "regfence";

/** The production environment's egress range (seed: OVH IP restrictions guide). */
export const production = network("production", [{ cidr: "192.0.2.0/24", description: "production environment" }]);

/** The Q/A environment's egress range. */
export const qa = network("qa", [{ cidr: "192.0.1.0/24", description: "Q/A environment" }]);
