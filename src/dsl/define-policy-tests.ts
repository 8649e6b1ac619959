import { type CallSite, definedAt, stamp } from "./call-site.js";
import type { Policy } from "./define-policy.js";
import type { PolicyTest } from "./policy-test.js";

/**
 * A policy's tests kept in a file of their own, as the default export of `<name>.policy.test.ts`
 * beside `<name>.policy.ts`.
 *
 * @example
 * export default definePolicyTests(platform, [expectImage("nginx", { admitted: true })]);
 */
export interface PolicyTests {
  readonly kind: "policy-tests";
  readonly policy: Policy;
  readonly tests: readonly PolicyTest[];
  readonly [definedAt]: CallSite;
}

/**
 * Tests of the policy imported from the `.policy.ts` file beside this `.policy.test.ts` file:
 * checked with the policy's own `tests` by `regfence test` and `regfence compile --check`, and
 * typed the same way, so an endpoint the policy does not have is a type error.
 *
 * @example
 * import { definePolicyTests, expectAddress, expectImage } from "regfence";
 * import platform from "./platform.policy.ts";
 *
 * export default definePolicyTests(platform, [
 *   expectImage("nginx:1.27", { rewrittenTo: "harbor.myco.com/docker.io/nginx:1.27", admitted: true }),
 *   expectAddress("203.0.113.9", { cannotReach: ["mpr-prod/management"] }),
 * ]);
 */
export function definePolicyTests<Endpoint extends string>(policy: Policy<Endpoint>, tests: readonly PolicyTest<NoInfer<Endpoint>>[]): PolicyTests {
  return stamp({ kind: "policy-tests" as const, policy, tests: [...tests] }, definePolicyTests);
}
