import type { Policy, PolicyTest } from "../dsl/index.js";
import type { LoadedPolicy } from "../ir/build-program.js";
import type { LoadResult } from "./load-policies.js";

/**
 * The policies, each with the tests of its `.policy.test.ts` files after its own `tests`. Tests of
 * a policy that was left out (it did not load or type-check) are left out with it: its own
 * diagnostics say why.
 */
export function withPolicyTests(load: LoadResult): readonly LoadedPolicy[] {
  if (load.policyTests.length === 0) return load.policies;
  return load.policies.map((policy) => {
    const more = load.policyTests.filter((tests) => tests.policyFile === policy.file).flatMap((tests) => tests.tests);
    return more.length === 0 ? policy : { ...policy, value: withTests(policy.value, more) };
  });
}

/** The policy value with more tests; its call site (a symbol key) comes along, so it is anchored where it was. */
function withTests(policy: Policy, tests: readonly PolicyTest[]): Policy {
  return Object.freeze({ ...policy, tests: [...(policy.tests ?? []), ...tests] });
}
