/**
 * `regfence plan` for Kyverno: the cluster's policies, saved as manifests (also as kubectl prints
 * them, with what the API server adds) or read live with kubectl, compared with what the target
 * compiles, and policies of other owners that fight the rewrite or the allowlist warned of.
 */
import { spawnSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { definePolicy, expectImage, harborProxyCache } from "../../../src/dsl/index.ts";
import type { Artifact } from "../../../src/output/artifact.ts";
import { shellQuote } from "../../../src/render/quote.ts";
import { TemplateRenderer } from "../../../src/render/template-renderer.ts";
import { kyvernoTarget } from "../../../src/targets/kyverno/kyverno-target.ts";
import { kyvernoState } from "../../../src/targets/kyverno/plan-kyverno.ts";
import type { DriftReport, StateSource } from "../../../src/targets/target-state.ts";
import { programOf } from "../../helpers/program.ts";

const { program } = programOf(
  definePolicy({
    name: "proxy-cache",
    proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["gcr.io", "ghcr.io", "quay.io", "docker.io"], projects: { public: true } }),
    admission: { mode: "Enforce", allow: ["harbor.myco.com"], excludeNamespaces: ["kube-system"] },
  }),
);
const kubectlFound = spawnSync("sh", ["-c", "command -v kubectl"], { encoding: "utf8" }).stdout.trim() !== "";
const requireKubectl = process.env["REGFENCE_REQUIRE_KUBECTL"] === "1";

let artifacts: readonly Artifact[];
let root: string;
beforeAll(async () => {
  artifacts = (await kyvernoTarget.emit(program, { render: new TemplateRenderer(), options: { policyType: "ClusterPolicy", cliTest: false }, secrets: false })).artifacts;
  root = await mkdtemp(path.join(tmpdir(), "regfence-plan-kyverno-"));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

/** The compiled objects, as plain data to edit into a cluster's state. */
const compiled = (): Record<string, unknown>[] => artifacts.flatMap((artifact) => parseAllDocuments(artifact.content).map((document) => document.toJS() as Record<string, unknown>));

/** What the API server and Kyverno add to an object: none of it is regfence's to compare. */
function asServed(object: Record<string, unknown>): Record<string, unknown> {
  const metadata = object["metadata"] as Record<string, unknown>;
  const spec = object["spec"] as Record<string, unknown>;
  return {
    ...object,
    metadata: { ...metadata, uid: "0b8f6e2c-1111-4c1e-9f0e-2d7c5a3b9e41", resourceVersion: "48213", generation: 1, managedFields: [{ manager: "kubectl-client-side-apply", operation: "Update" }] },
    spec: { ...spec, admission: true, emitWarning: spec["emitWarning"] ?? false },
    status: { ready: true, conditions: [{ type: "Ready", status: "True" }] },
  };
}

async function saved(files: Readonly<Record<string, string>>): Promise<StateSource> {
  const dir = await mkdtemp(path.join(root, "state-"));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return { kind: "saved", dir, shown: "state/kyverno" };
}

const plan = (source: StateSource): Promise<DriftReport> => kyvernoState.read({ program, options: { policyType: "ClusterPolicy", cliTest: false }, artifacts, source });
const lines = (report: DriftReport) => report.items[0]?.parts.flatMap((part) => part.lines);
const list = (items: readonly unknown[]) => stringify({ apiVersion: "v1", kind: "List", items });

describe("plan kyverno from saved manifests", () => {
  it("finds the compiled files in sync, and the cluster's served objects too", async () => {
    const files = Object.fromEntries(artifacts.map((artifact) => [path.basename(artifact.path), artifact.content]));
    const fromFiles = await plan(await saved(files));
    expect(fromFiles.problems).toEqual([]);
    expect(fromFiles.items[0]?.parts.map(({ part, action }) => ({ part, action }))).toEqual([{ part: "ClusterPolicy", action: "in-sync" }]);
    expect(fromFiles.items[0]?.parts[0]?.outcome).toBe("in sync (2 objects)");
    const served = await plan(await saved({ "cluster.yaml": list(compiled().map(asServed)) }));
    expect(lines(served)).toEqual([]);
  });

  it("leaves the Kyverno CLI test's Pods out: they are never for the cluster", async () => {
    const tested = programOf(
      definePolicy({
        name: "proxy-cache",
        proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["docker.io"] }),
        admission: { mode: "Enforce", allow: ["harbor.myco.com"] },
        tests: [expectImage("nginx", { rewrittenTo: "harbor.myco.com/docker.io/nginx", admitted: true })],
      }),
    ).program;
    const options = { policyType: "ClusterPolicy", cliTest: true } as const;
    const withTest = (await kyvernoTarget.emit(tested, { render: new TemplateRenderer(), options, secrets: false })).artifacts;
    expect(withTest.map((artifact) => artifact.path)).toContain("kubernetes/kyverno-test/resources.yaml");
    const policyFiles = withTest.filter((artifact) => artifact.path.startsWith("kubernetes/kyverno/"));
    const fromFiles = await kyvernoState.read({ program: tested, options, artifacts: withTest, source: await saved(Object.fromEntries(policyFiles.map((artifact) => [path.basename(artifact.path), artifact.content]))) });
    expect(fromFiles.problems).toEqual([]);
    expect(fromFiles.items[0]?.parts[0]?.outcome).toBe("in sync (2 objects)");
    const cluster = await standInCluster(policyFiles.flatMap((artifact) => parseAllDocuments(artifact.content).map((document) => asServed(document.toJS() as Record<string, unknown>))));
    const live = await kyvernoState.read({ program: tested, options, artifacts: withTest, source: cluster.source });
    expect(live.items[0]?.parts[0]?.outcome).toBe("in sync (2 objects)");
    expect(await cluster.calls()).toEqual(policyKindCalls);
  });

  it("shows what kubectl apply would create, change and delete", async () => {
    const named = (name: string) => compiled().find((object) => (object["metadata"] as { name: string }).name === name);
    const [allowlist, rewrite] = [named("proxy-cache-allowlist"), named("proxy-cache-rewrite")];
    const edited = structuredClone(rewrite) as { spec: { rules: { mutate?: unknown; name: string }[] } };
    const firstRule = edited.spec.rules[0];
    if (firstRule !== undefined) firstRule.name = "renamed-in-the-cluster";
    const leftover = { ...structuredClone(allowlist), metadata: { name: "old-policy-allowlist", labels: { "app.kubernetes.io/managed-by": "regfence" } } };
    expect(allowlist).toBeDefined();
    const report = await plan(await saved({ "cluster.yaml": list([asServed(edited), leftover]) }));
    expect(lines(report)).toEqual([
      "~ ClusterPolicy proxy-cache-rewrite: spec.rules[0].name",
      "+ ClusterPolicy proxy-cache-allowlist",
      "- ClusterPolicy old-policy-allowlist (made by regfence; no policy emits it now)",
    ]);
    expect(report.items[0]?.parts[0]?.outcome).toBe("1 to create, 1 to change, 1 to delete: kubectl apply would change it (2 objects)");
  });

  it("warns of the policy library's image policies, which fight the rewrite and the allowlist", async () => {
    const replace = { apiVersion: "kyverno.io/v1", kind: "ClusterPolicy", metadata: { name: "replace-image-registry" }, spec: { rules: [{ name: "redirect-docker", mutate: { foreach: [{ list: "request.object.spec.containers", patchStrategicMerge: { spec: { containers: [{ name: "{{ element.name }}", image: "{{ regex_replace_all_literal('^docker.io/(.*)$', '{{element.image}}', 'myregistry.corp.com/$1' )}}" }] } } }] } }] } };
    const restrict = { apiVersion: "kyverno.io/v1", kind: "ClusterPolicy", metadata: { name: "restrict-image-registries" }, spec: { rules: [{ name: "validate-registries", validate: { message: "Unknown image registry.", pattern: { spec: { containers: [{ image: "eu.foo.io/* | bar.io/*" }] } } } }] } };
    const unrelated = { apiVersion: "kyverno.io/v1", kind: "ClusterPolicy", metadata: { name: "require-labels" }, spec: { rules: [{ name: "check-team", validate: { pattern: { metadata: { labels: { team: "?*" } } } } }] } };
    const report = await plan(await saved({ "cluster.yaml": list([...compiled(), replace, restrict, unrelated]) }));
    expect(lines(report)).toEqual([]);
    expect(report.findings.map(({ code, message }) => ({ code, message }))).toEqual([
      {
        code: "RF3018",
        message: `ClusterPolicy replace-image-registry (the Kyverno policy library's replace-image-registry), not made by regfence, mutates container images: it and policy "proxy-cache"'s rewrite would both change the same images, in an order Kyverno does not promise`,
      },
      {
        code: "RF3018",
        message: `ClusterPolicy restrict-image-registries (the Kyverno policy library's restrict-image-registries), not made by regfence, validates container images: it may deny images policy "proxy-cache" rewrites to its proxy cache or admits`,
      },
    ]);
  });

  it.each([
    ["a document without a name", "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  labels: {}\nspec: {}\n", { line: 4, column: 3 }, /^metadata\.name: expected string, received undefined/],
    ["a List item without a kind", list([{ apiVersion: "v1", metadata: { name: "x" } }]), { line: 4, column: 5 }, /^items\[0\]\.kind: expected string/],
    ["truncated YAML", "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: { name: x\n", { line: 4, column: 1 }, /^is not valid YAML or JSON/],
  ])("reports %s at its line, and compares nothing", async (_, text, at, message) => {
    const report = await plan(await saved({ "cluster.yaml": text }));
    expect(report.problems[0]).toMatchObject({ file: "state/kyverno/cluster.yaml", ...at });
    expect(report.problems[0]?.message).toMatch(message);
    expect(report.items[0]?.parts).toEqual([]);
    expect(report.items[0]?.failure?.message).toMatch(/^the saved state is not what regfence reads/);
  });

  it.runIf(kubectlFound || requireKubectl)("reads the JSON kubectl prints for the same manifests (kubectl label --local, offline)", async () => {
    const state = await saved(Object.fromEntries(artifacts.map((artifact) => [path.basename(artifact.path), artifact.content])));
    if (state.kind !== "saved") throw new Error("unreachable");
    // No cluster: an unreachable kubeconfig, and --local so kubectl only reads and prints the files.
    const printed = spawnSync("kubectl", ["label", "--local", "-f", state.dir, "-o", "json", "regfence-plan-check-"], { encoding: "utf8", env: { ...process.env, KUBECONFIG: path.join(root, "none") } });
    expect(printed.stderr).toBe("");
    const report = await plan(await saved({ "kubectl.json": printed.stdout }));
    expect(report.problems).toEqual([]);
    expect(report.items[0]?.parts[0]).toMatchObject({ part: "ClusterPolicy", action: "in-sync" });
  });
});

/**
 * A stand-in for kubectl against a cluster with Kyverno 1.13 serving `objects`: ClusterPolicies,
 * no CEL policy CRDs; the source to plan from, and the kubectl calls made.
 */
async function standInCluster(objects: readonly Record<string, unknown>[]): Promise<{ source: StateSource; calls: () => Promise<string[]> }> {
  const dir = await mkdtemp(path.join(root, "cluster-"));
  const calls = path.join(dir, "kubectl-calls.txt");
  const served = path.join(dir, "served.json");
  await writeFile(served, JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
  await writeFile(
    path.join(dir, "kubectl"),
    `#!/bin/sh\necho "$*" >> ${shellQuote(calls)}\ncase "$2" in\n  clusterpolicies.kyverno.io) cat ${shellQuote(served)} ;;\n  *) echo "error: the server doesn't have a resource type \\"$2\\"" >&2; exit 1 ;;\nesac\n`,
  );
  await chmod(path.join(dir, "kubectl"), 0o755);
  return { source: { kind: "live", environment: { PATH: `${dir}:/usr/bin:/bin` } }, calls: async () => (await readFile(calls, "utf8")).trim().split("\n") };
}

const policyKindCalls = [
  "get clusterpolicies.kyverno.io --all-namespaces -o json",
  "get mutatingpolicies.policies.kyverno.io --all-namespaces -o json",
  "get validatingpolicies.policies.kyverno.io --all-namespaces -o json",
  "get generatingpolicies.policies.kyverno.io --all-namespaces -o json",
];

describe("plan kyverno live", () => {
  it("asks kubectl for every policy kind, a kind the cluster lacks having no objects", async () => {
    const cluster = await standInCluster(compiled().map(asServed));
    const report = await plan(cluster.source);
    expect(report.items[0]?.failure).toBeUndefined();
    expect(lines(report)).toEqual([]);
    expect(await cluster.calls()).toEqual(policyKindCalls);
  });
});
