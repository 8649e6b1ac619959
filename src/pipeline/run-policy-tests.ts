import { assertNever } from "../ir/assert-never.js";
import type { AddressTestNode, ImageTestNode, PolicyNode, ProgramNode, ProxyCacheNode } from "../ir/model.js";
import type { SourceAnchor } from "../diagnostics/source-anchor.js";
import { explainImage, hasImageRules } from "../targets/kyverno/explain-image.js";
import { nodePullRoutes } from "../targets/nodes/node-pull.js";
import { endpointsOf, reaches } from "../targets/network-access.js";
import { pullsFrom } from "../targets/vic/plan-container-host.js";

/** One expectation checked: what it says, what was expected and what happened, where it is written. */
export interface TestOutcome {
  readonly policy: string;
  /** `nginx:1.27 is rewritten to harbor.myco.com/docker.io/nginx:1.27 and admitted`. */
  readonly name: string;
  readonly passed: boolean;
  readonly expected: string;
  readonly actual: string;
  readonly source: SourceAnchor;
}

function imageOutcomes(policy: PolicyNode, test: ImageTestNode, imagePolicies: readonly PolicyNode[], proxies: readonly ProxyCacheNode[]): TestOutcome[] {
  const decision = explainImage(imagePolicies, test.image, test.namespace ?? undefined);
  const where = test.namespace === null ? "" : ` in namespace ${test.namespace}`;
  const verdict = (admitted: boolean) => (admitted ? "admitted" : "denied");
  const routes = test.nodesPullFrom === null ? undefined : nodePullRoutes(proxies, test.image);
  const nodesFrom = routes === undefined ? "not pulled through node mirrors (no proxy cache has nodeMirrors)" : Object.entries(routes).map(([runtime, pull]) => `${runtime} pulls from ${pull.from}`).join(", ");
  const expected = [
    ...(test.rewrittenTo === null ? [] : [`rewritten to ${test.rewrittenTo}`]),
    ...(test.admitted === null ? [] : [verdict(test.admitted)]),
    ...(test.nodesPullFrom === null ? [] : [`pulled by nodes from ${test.nodesPullFrom}`]),
  ];
  const actual = [
    ...(test.rewrittenTo === null ? [] : [`rewritten to ${decision.rewritten}`]),
    ...(test.admitted === null ? [] : [verdict(decision.admitted)]),
    ...(test.nodesPullFrom === null ? [] : [nodesFrom]),
  ];
  const nodesPass = test.nodesPullFrom === null || (routes !== undefined && Object.values(routes).every((pull) => pull.from === test.nodesPullFrom));
  const passed = (test.rewrittenTo === null || decision.rewritten === test.rewrittenTo) && (test.admitted === null || decision.admitted === test.admitted) && nodesPass;
  return [
    {
      policy: policy.name,
      name: `${test.image}${where} is ${expected.join(" and ")}`,
      passed,
      expected: expected.join(", "),
      actual: `${actual.join(", ")}${test.rewrittenTo === null && test.admitted === null ? "" : ` (${decision.reason})`}`,
      source: test.source,
    },
  ];
}

function addressOutcomes(policy: PolicyNode, test: AddressTestNode): TestOutcome[] {
  const { block } = test;
  if (block === null) return [];
  return test.expectations.flatMap(({ endpoint, reaches: expected, source }) => {
    const says = (yes: boolean) => (yes ? "reaches" : "does not reach");
    const host = policy.containerHosts.find((candidate) => `${candidate.name}/whitelist` === endpoint);
    if (host !== undefined) {
      const actual = pullsFrom(host, test.address);
      return [{ policy: policy.name, name: `${test.address} ${says(expected)} ${endpoint}`, passed: actual === expected, expected: says(expected), actual: says(actual), source }];
    }
    const found = policy.registries.flatMap(endpointsOf).find((candidate) => candidate.name === endpoint);
    if (found === undefined) return [];
    const actual = reaches(found.access, block);
    return [{ policy: policy.name, name: `${test.address} ${says(expected)} ${endpoint}`, passed: actual === expected, expected: says(expected), actual: says(actual), source }];
  });
}

/**
 * Every policy's tests checked against the whole program, with the semantics of what regfence
 * emits: images as `regfence explain` and the Kyverno policies decide them (all policies'
 * rewrites and allowlists together), addresses as each registry's compiled firewall lets them in.
 */
export function runPolicyTests(program: ProgramNode): TestOutcome[] {
  const imagePolicies = program.policies.filter(hasImageRules);
  const proxies = program.policies.flatMap((policy) => (policy.proxyCache === null ? [] : [policy.proxyCache]));
  return program.policies.flatMap((policy) =>
    policy.tests.flatMap((test) => {
      switch (test.kind) {
        case "image-test":
          return imageOutcomes(policy, test, imagePolicies, proxies);
        case "address-test":
          return addressOutcomes(policy, test);
        default:
          return assertNever(test);
      }
    }),
  );
}
