import path from "node:path";
import type { ImageTestNode, PolicyNode, ProgramNode } from "../../ir/model.js";
import { parseImageReference } from "../../ir/docker-reference.js";
import type { Artifact } from "../../output/artifact.js";
import { banner } from "../../render/banner.js";
import type { TemplateRenderer } from "../../render/template-renderer.js";
import { allowedPrefixOf } from "./allowed-prefixes.js";
import { explainImage, hasImageRules } from "./explain-image.js";
import { type PolicyRole, policyObjectName } from "./policy-text.js";
import { ruleNames } from "./rule-names.js";

/**
 * Where `kyverno test` finds the policy tests: beside the folder applied to the cluster, never in
 * it, since it holds Pods.
 */
export const kyvernoTestDirectory = "kubernetes/kyverno-test";

/** A ClusterPolicy the Kyverno target wrote, and where. */
export interface EmittedPolicy {
  readonly policy: PolicyNode;
  readonly role: PolicyRole;
  /** Relative to the out dir. */
  readonly path: string;
}

/** One expected rule result of `kyverno test`. */
export interface CliTestResult {
  readonly policy: string;
  readonly rule: string;
  readonly result: "pass" | "fail";
  /** The Pod the policy's mutation must produce. */
  readonly patched?: TestPod;
}

/** A Pod of one container, as the test's resources hold it. */
export interface TestPod {
  readonly apiVersion: "v1";
  readonly kind: "Pod";
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec: { readonly containers: readonly { readonly name: string; readonly image: string }[]; readonly imagePullSecrets?: readonly { readonly name: string }[] };
}

/** An expectation as a Pod and the rule results regfence's model predicts for it. */
export interface CliTestCase {
  readonly pod: TestPod;
  /** Where the expectation is written, and what it says, for the reader of the file. */
  readonly comment: string;
  readonly results: readonly CliTestResult[];
}

/** What the test file covers, and what it leaves to `regfence test`. */
export interface CliTest {
  readonly cases: readonly CliTestCase[];
  /** Expectations no rule of the emitted policies sees (an excluded namespace), in words. */
  readonly uncovered: readonly string[];
  /** The policy files the expectations are written in. */
  readonly files: readonly string[];
}

/**
 * The policy tests' image expectations as a Kyverno CLI test: each one a Pod of one container in
 * its namespace, and for each rule that judges it the result regfence predicts (the same model as
 * `regfence explain` and `regfence test`): the rewrite as `pass` with the Pod it must become, each
 * allowlist rule as `pass` or `fail`. An expectation in a namespace every policy excludes is left
 * out and named, because `kyverno test` counts a resource no rule matched as passed whatever it
 * expected (kyverno#2295); expectations only about node pulls say nothing to Kyverno.
 */
export function cliTestOf(program: ProgramNode, emitted: readonly EmittedPolicy[]): CliTest {
  const written = (policy: PolicyNode, role: PolicyRole) => emitted.some((entry) => entry.policy === policy && entry.role === role);
  const imagePolicies = program.policies.filter(hasImageRules);
  const cases: CliTestCase[] = [];
  const uncovered: string[] = [];
  const files = new Set<string>();
  for (const policy of program.policies) {
    policy.tests.forEach((test, index) => {
      if (test.kind !== "image-test" || (test.rewrittenTo === null && test.admitted === null)) return;
      files.add(test.source.file);
      const namespace = test.namespace ?? neutralNamespace(imagePolicies);
      const at = `${test.source.file}:${test.source.line}:${test.source.column}`;
      const comment = `${at} ${describe(test)}`;
      const applying = imagePolicies.filter((candidate) => !(candidate.admission?.excludeNamespaces.includes(namespace) ?? false));
      if (applying.length === 0) {
        uncovered.push(`${at} ${test.image} in namespace ${namespace}: every policy excludes the namespace`);
        return;
      }
      const name = `${policy.name}-${index + 1}`;
      const decision = explainImage(program.policies, test.image, namespace);
      // Another policy adding its pull secret would change the Pod too: the rewrite's result is then not one Pod to compare.
      const addsPullSecret = ({ proxyCache: other }: PolicyNode) =>
        other !== null && other.pullSecret !== null && [test.image, decision.rewritten].some((image) => image.startsWith(`${other.host}/`));
      const patchedByOthers = (rewriter: PolicyNode) => applying.some((other) => other !== rewriter && addsPullSecret(other));
      const results: CliTestResult[] = [];
      for (const candidate of applying) {
        const proxy = candidate.proxyCache;
        if (proxy !== null && decision.servedBy?.proxy === proxy && written(candidate, "rewrite") && !patchedByOthers(candidate)) {
          const pullSecret = proxy.pullSecret !== null && decision.rewritten.startsWith(`${proxy.host}/`) ? proxy.pullSecret : null;
          results.push({ policy: policyObjectName(candidate, "rewrite"), rule: ruleNames.rewrite, result: "pass", patched: podOf(name, namespace, decision.rewritten, pullSecret) });
        }
        const admission = candidate.admission;
        if (admission === null || !written(candidate, "allowlist")) continue;
        const allowlist = policyObjectName(candidate, "allowlist");
        results.push({ policy: allowlist, rule: ruleNames.validReferences, result: parseImageReference(decision.rewritten).ok ? "pass" : "fail" });
        results.push({ policy: allowlist, rule: ruleNames.allowedRegistries, result: allowedPrefixOf(admission, decision.rewritten) === undefined ? "fail" : "pass" });
      }
      if (results.length === 0) uncovered.push(`${at} ${test.image}: no emitted rule judges it`);
      else cases.push({ pod: podOf(name, namespace, test.image), comment, results });
    });
  }
  return { cases, uncovered, files: [...files] };
}

/** `default`, or the first name like it that no policy excludes: an expectation without a namespace means one no policy excludes. */
function neutralNamespace(policies: readonly PolicyNode[]): string {
  const excluded = new Set(policies.flatMap((policy) => policy.admission?.excludeNamespaces ?? []));
  for (let suffix = 0; ; suffix++) {
    const candidate = suffix === 0 ? "default" : `regfence-test-${suffix}`;
    if (!excluded.has(candidate)) return candidate;
  }
}

function describe(test: ImageTestNode): string {
  const expected = [
    test.rewrittenTo === null ? [] : [`rewritten to ${test.rewrittenTo}`],
    test.admitted === null ? [] : [test.admitted ? "admitted" : "denied"],
    test.namespace === null ? [] : [`in namespace ${test.namespace}`],
  ].flat();
  return `${test.image}: ${expected.join(", ")}`;
}

function podOf(name: string, namespace: string, image: string, pullSecret: string | null = null): TestPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace },
    spec: { containers: [{ name: "app", image }], ...(pullSecret === null ? {} : { imagePullSecrets: [{ name: pullSecret }] }) },
  };
}

/**
 * The test's files: `kyverno-test.yaml` (results grouped by policy, rule and result), the Pods
 * (`resources.yaml`) and the Pods the rewrites must produce (`patched-resources.yaml`). Nothing
 * when no expectation reaches a rule.
 */
export function cliTestArtifacts(test: CliTest, emitted: readonly EmittedPolicy[], render: TemplateRenderer): Artifact[] {
  if (test.cases.length === 0) return [];
  const policies = [...new Set(test.cases.flatMap((testCase) => testCase.results.map((result) => result.policy)))];
  const policyFiles = emitted.filter((entry) => policies.includes(policyObjectName(entry.policy, entry.role))).map((entry) => path.posix.relative(kyvernoTestDirectory, entry.path));
  const patched = test.cases.flatMap((testCase) => testCase.results.flatMap((result) => (result.patched === undefined ? [] : [result.patched])));
  const groups = new Map<string, { policy: string; rule: string; result: string; patched: boolean; resources: string[] }>();
  for (const testCase of test.cases) {
    for (const result of testCase.results) {
      const key = JSON.stringify([result.policy, result.rule, result.result, result.patched !== undefined]);
      const group = groups.get(key) ?? { policy: result.policy, rule: result.rule, result: result.result, patched: result.patched !== undefined, resources: [] };
      group.resources.push(testCase.pod.metadata.name);
      groups.set(key, group);
    }
  }
  const results = [...groups.values()].map((group) => ({
    policy: group.policy,
    rule: group.rule,
    kind: "Pod",
    resources: group.resources,
    ...(group.patched ? { patchedResources: "patched-resources.yaml" } : {}),
    result: group.result,
  }));
  const document = {
    apiVersion: "cli.kyverno.io/v1alpha1",
    kind: "Test",
    metadata: { name: "regfence-policy-tests" },
    policies: policyFiles,
    resources: ["resources.yaml"],
    results,
  };
  const file = (name: string, template: string, data: object, expected: unknown[]): Artifact => ({
    path: `${kyvernoTestDirectory}/${name}`,
    content: render.render("kyverno", template, { banner: banner(test.files.join(", ")), ...data }),
    format: "yaml",
    expected,
  });
  return [
    file("kyverno-test.yaml", "kyverno-test.yaml", { document, uncovered: test.uncovered }, [document]),
    file("resources.yaml", "test-pods.yaml", { pods: test.cases.map((testCase) => ({ comment: testCase.comment, pod: testCase.pod })) }, test.cases.map((testCase) => testCase.pod)),
    ...(patched.length === 0 ? [] : [file("patched-resources.yaml", "test-pods.yaml", { pods: patched.map((pod) => ({ comment: `${pod.metadata.name} after the rewrite`, pod })) }, patched)]),
  ];
}
