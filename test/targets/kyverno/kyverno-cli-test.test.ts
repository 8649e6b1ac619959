import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kyvernoOptions } from "../../../src/targets/kyverno/kyverno-options.ts";
import { repoRoot } from "../../helpers/run-cli.ts";
import { type CompiledKyverno, compileKyverno } from "./compile-example.ts";
import { admit, type Manifest, ruleMatches } from "./kyverno-engine.ts";

/**
 * The Kyverno CLI test (`kyverno: { cliTest: true }`) run as `kyverno test` runs it, on the test
 * harness's Kyverno engine: each Pod of resources.yaml admitted (CREATE) against the policies the
 * test names, mutation before validation, and every expected result compared with what the engine
 * did: a validate rule fails exactly when it reports a violation, a rewrite passes with exactly the
 * Pod of patched-resources.yaml. A result whose rule does not match its Pod is a disagreement too,
 * since `kyverno test` would count it passed whatever it expects.
 */
const directory = "kubernetes/kyverno-test";

type Documents = Record<string, unknown>[];
interface TestResult {
  readonly policy: string;
  readonly rule: string;
  readonly kind: string;
  readonly resources: readonly string[];
  readonly result: "pass" | "fail";
  readonly patchedResources?: string;
}
type Rule = { readonly name: string; readonly mutate?: unknown; readonly validate?: unknown };

function metadataOf(document: Record<string, unknown>): { name: string; namespace?: string } {
  return document["metadata"] as { name: string; namespace?: string };
}

/** What `kyverno test` would find wrong, one line each; empty when every result holds. */
function runKyvernoTest(files: ReadonlyMap<string, Documents>): string[] {
  const file = (name: string): Documents => {
    const documents = files.get(path.posix.join(directory, name));
    if (documents === undefined) throw new Error(`the test names ${name}, which was not written`);
    return documents;
  };
  const [test, ...others] = file("kyverno-test.yaml") as [{ apiVersion: string; kind: string; policies: string[]; resources: string[]; results: TestResult[] }];
  expect(others).toEqual([]);
  expect({ apiVersion: test.apiVersion, kind: test.kind }).toEqual({ apiVersion: "cli.kyverno.io/v1alpha1", kind: "Test" });
  const policies = test.policies.flatMap(file);
  const pods = test.resources.flatMap(file);
  const problems: string[] = [];
  const judged = new Set<string>();
  for (const result of test.results) {
    // The CLI 1.13+ schema; the deprecated `resource`, `status`, `namespace`, `patchedResource` never appear.
    expect(Object.keys(result).every((key) => ["policy", "rule", "kind", "resources", "result", "patchedResources"].includes(key))).toBe(true);
    const policy = policies.find((candidate) => metadataOf(candidate).name === result.policy);
    const rule = ((policy?.["spec"] as { rules?: Rule[] } | undefined)?.rules ?? []).find((candidate) => candidate.name === result.rule);
    for (const name of result.resources) {
      const pod = pods.find((candidate) => metadataOf(candidate).name === name);
      const where = `${name} ${result.policy}/${result.rule}`;
      if (pod === undefined || rule === undefined) {
        problems.push(`${where}: ${pod === undefined ? "no such Pod" : "no such rule"}`);
        continue;
      }
      judged.add(name);
      const request = { operation: "CREATE", namespace: metadataOf(pod).namespace ?? "default", object: pod } as const;
      if (!ruleMatches(rule, request)) {
        problems.push(`${where}: the rule does not match the Pod`);
        continue;
      }
      const outcome = admit(policies as Manifest[], request);
      if (rule.validate !== undefined) {
        const failed = outcome.violations.some((violation) => violation.policy === result.policy && violation.rule === result.rule);
        if ((failed ? "fail" : "pass") !== result.result) problems.push(`${where}: want ${result.result}, got ${failed ? "fail" : "pass"}`);
      } else if (result.patchedResources !== undefined) {
        const expected = file(result.patchedResources).find((candidate) => metadataOf(candidate).name === name);
        if (JSON.stringify(outcome.object) !== JSON.stringify(expected)) problems.push(`${where}: patched Pod ${JSON.stringify(outcome.object)}, want ${JSON.stringify(expected)}`);
      } else {
        problems.push(`${where}: a mutate result without the Pod it must become checks nothing`);
      }
    }
  }
  for (const pod of pods) if (!judged.has(metadataOf(pod).name)) problems.push(`${metadataOf(pod).name}: no result names it`);
  return problems;
}

/** The documents with `from` replaced by `to` in the string values of `file` (a plausible emitter bug); `from` must occur. */
function sabotage(compiled: CompiledKyverno, file: string, from: string, to: string): Map<string, Documents> {
  const files = new Map(compiled.files);
  const text = JSON.stringify(files.get(file));
  expect(text).toContain(from);
  files.set(file, JSON.parse(text.replaceAll(from, () => to)) as Documents);
  return files;
}

describe("the Kyverno CLI test of the worked examples", () => {
  let compiled: CompiledKyverno;
  beforeAll(async () => {
    compiled = await compileKyverno(["policies/proxy-cache.policy.ts"], "ClusterPolicy", repoRoot, true);
  });

  it("holds on Kyverno's engine: the document's seven rewrites with the Pods they become, the admitted images and the denials", () => {
    expect(runKyvernoTest(compiled.files)).toEqual([]);
    const pods = compiled.files.get(`${directory}/resources.yaml`) ?? [];
    // Every expectation about admission but the kube-system one, which no rule sees.
    expect(pods.map((pod) => (pod["spec"] as { containers: { image: string }[] }).containers[0]?.image)).toEqual([
      "gcr.io/heptio-images/eventrouter:v0.3",
      "ghcr.io/jvanzyl/nginx:latest",
      "quay.io/jetstack/cert-manager:v1.4.1",
      "docker.io/nirmata/kyverno:latest",
      "velero/velero:v1.6.2",
      "nginx:latest",
      "nginx",
      "harbor.myco.com/quay.io/prometheus/prometheus:v2.53.0",
      "busybox:1.36",
      "registry.example.com/team/app:1.0",
      "docker.io.evil.example/nginx:1.27",
      "harbor.myco.com.evil.example/docker.io/nginx",
    ]);
    const patched = compiled.files.get(`${directory}/patched-resources.yaml`) ?? [];
    expect(patched.map((pod) => (pod["spec"] as { containers: { image: string }[] }).containers[0]?.image)).toContain("harbor.myco.com/docker.io/velero/velero:v1.6.2");
  });

  it("names the expectation it leaves out, and why, in the committed file", async () => {
    const text = await readFile(path.join(repoRoot, "out", directory, "kyverno-test.yaml"), "utf8");
    expect(text).toContain("# policies/proxy-cache.policy.ts:42:5 registry.k8s.io/coredns/coredns:v1.11.1 in namespace kube-system: every policy excludes the namespace\n");
    expect(text).toContain("kyverno#11519");
  });

  it("catches a rewrite to the wrong project, an allowlist whose dots match any character, and one that excludes the Pods' namespace", () => {
    const wrongProject = sabotage(compiled, "kubernetes/kyverno/proxy-cache-rewrite.yaml", "harbor.myco.com/docker.io/${1}", "harbor.myco.com/dockerhub/${1}");
    expect(runKyvernoTest(wrongProject)).toEqual(expect.arrayContaining([expect.stringMatching(/^proxy-cache-6 proxy-cache-rewrite\/rewrite-images: patched Pod .*harbor\.myco\.com\/dockerhub\/nginx:latest/)]));
    const looseDots = sabotage(compiled, "kubernetes/kyverno/proxy-cache-allowlist.yaml", "^(?:harbor\\\\.myco\\\\.com/)", "^(?:harbor.myco.com)");
    expect(runKyvernoTest(looseDots)).toEqual(["proxy-cache-12 proxy-cache-allowlist/allowed-registries: want fail, got pass"]);
    // An allowlist that excludes the test's namespace judges nothing there: kyverno test would pass it, this does not.
    const excludesDefault = sabotage(compiled, "kubernetes/kyverno/proxy-cache-allowlist.yaml", '"kube-system"', '"default"');
    expect(runKyvernoTest(excludesDefault)).toContain("proxy-cache-10 proxy-cache-allowlist/allowed-registries: the rule does not match the Pod");
  });
});

describe("the Kyverno CLI test of a private proxy in Audit mode", () => {
  let project = "";
  let compiled: CompiledKyverno;
  beforeAll(async () => {
    project = await mkdtemp(path.join(repoRoot, ".regfence-test-cli-test-"));
    await writeFile(
      path.join(project, "private.policy.ts"),
      `import { credential, definePolicy, expectImage, externalSecret, harborProxyCache } from "regfence";

const robot = credential("harbor-pull", {
  server: "harbor.myco.com",
  delivery: externalSecret({ namespace: "registry-auth", store: { kind: "ClusterSecretStore", name: "vault" }, remoteRef: { key: "registries/harbor-pull" } }),
  readOnly: true,
});

export default definePolicy({
  name: "private",
  credentials: [robot],
  proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["docker.io", "ghcr.io"], pullSecret: robot }),
  admission: { mode: "Audit", allow: ["registry.myco.com"], excludeNamespaces: ["harbor", "kube-system"] },
  tests: [
    expectImage("nginx:1.27", { rewrittenTo: "harbor.myco.com/docker.io/nginx:1.27", admitted: true }),
    expectImage("registry.myco.com/team/app:1", { admitted: true, namespace: "ci" }),
    expectImage("Nginx", { admitted: true }),
    expectImage("quay.io/prometheus/prometheus:v2.53.0", { rewrittenTo: "quay.io/prometheus/prometheus:v2.53.0" }),
    expectImage("ghcr.io/goharbor/harbor-core:v2.11.0", { namespace: "harbor", rewrittenTo: "ghcr.io/goharbor/harbor-core:v2.11.0" }),
    expectImage("nginx", { nodesPullFrom: "harbor.myco.com" }),
  ],
});
`,
    );
    compiled = await compileKyverno([path.relative(repoRoot, path.join(project, "private.policy.ts"))], "ClusterPolicy", repoRoot, true);
  });
  afterAll(() => rm(project, { recursive: true, force: true }));

  it("expects the pull secret in the rewritten Pod, and each rule's violation in Audit mode", () => {
    expect(runKyvernoTest(compiled.files)).toEqual([]);
    const [test] = compiled.files.get(`${directory}/kyverno-test.yaml`) as [{ results: TestResult[] }];
    expect(test.results.map(({ policy, rule, resources, result }) => `${policy}/${rule} ${result}: ${resources.join(" ")}`)).toEqual([
      "private-rewrite/rewrite-images pass: private-1",
      "private-allowlist/valid-references pass: private-1 private-2 private-4",
      "private-allowlist/allowed-registries pass: private-1 private-2",
      "private-allowlist/valid-references fail: private-3",
      "private-allowlist/allowed-registries fail: private-3 private-4",
    ]);
    const [patched] = compiled.files.get(`${directory}/patched-resources.yaml`) ?? [];
    expect(patched?.["spec"]).toEqual({ containers: [{ name: "app", image: "harbor.myco.com/docker.io/nginx:1.27" }], imagePullSecrets: [{ name: "harbor-pull" }] });
  });
});

describe("kyverno.cliTest", () => {
  it("is written for ClusterPolicies only: with CEL policies it is a config error at the key", () => {
    const parsed = kyvernoOptions.schema.safeParse({ policyType: "CEL", cliTest: true });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => ({ path: issue.path, message: issue.message }))).toEqual([
      { path: ["cliTest"], message: 'the Kyverno CLI test is written for ClusterPolicies only: remove cliTest or set policyType to "ClusterPolicy"' },
    ]);
    expect(kyvernoOptions.schema.safeParse({ cliTest: true }).success).toBe(true);
  });
});
