import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../helpers/run-cli.ts";
import { admitCel } from "./cel-engine.ts";
import { compileKyverno } from "./compile-example.ts";
import { podWith } from "./compile-example.ts";
import { conformanceTable } from "./conformance-table.ts";
import { admit, type AdmissionOutcome } from "./kyverno-engine.ts";

const example = "policies/proxy-cache.policy.ts";
type Documents = Record<string, unknown>[];

let clusterPolicies: Documents;
let celPolicies: Documents;

beforeAll(async () => {
  clusterPolicies = [...(await compileKyverno([example], "ClusterPolicy")).files.values()].flat();
  celPolicies = [...(await compileKyverno([example], "CEL")).files.values()].flat();
});

/** What the Pod ended up running, per list: all three must agree. */
function imagesOf(outcome: AdmissionOutcome): string[] {
  const spec = outcome.object["spec"] as Record<string, { image: string }[]>;
  return ["containers", "initContainers", "ephemeralContainers"].flatMap((list) => (spec[list] ?? []).map((container) => container.image));
}

const engines = {
  ClusterPolicy: (request: Parameters<typeof admit>[1]) => admit(clusterPolicies, request),
  CEL: (request: Parameters<typeof admit>[1]) => admitCel(celPolicies, request),
};

it("the table has at least 40 rows, each image once", () => {
  expect(conformanceTable.length).toBeGreaterThanOrEqual(40);
  expect(new Set(conformanceTable.map((row) => row.image)).size).toBe(conformanceTable.length);
});

describe("(a) regfence explain agrees with the table", () => {
  it("one run of the CLI over every image", async () => {
    const { status, stdout, stderr } = await runCli(["explain", "--no-typecheck", "--format", "json", "--", ...conformanceTable.map((row) => row.image)]);
    expect(stderr).toBe("");
    expect(status).toBe(1);
    const rows = JSON.parse(stdout) as { policy: string; image: string; rewritten: string; admitted: boolean; reason: string }[];
    expect(rows.map(({ policy, image, rewritten, admitted }) => ({ policy, image, rewritten, admitted }))).toEqual(
      conformanceTable.map(({ image, rewritten, admitted }) => ({ policy: "proxy-cache", image, rewritten, admitted })),
    );
    for (const row of rows) expect(row.reason).toMatch(row.admitted ? /admitted by rule allowed-registries/ : /denied by rule (valid-references|allowed-registries)/);
  });
});

describe.each(["ClusterPolicy", "CEL"] as const)("(%s) the emitted policies agree with the table", (type) => {
  it.each(conformanceTable)("$image → $rewritten ($why)", ({ image, rewritten, admitted }) => {
    const outcome = engines[type]({ operation: "CREATE", namespace: "default", object: podWith(image) });
    expect(imagesOf(outcome)).toEqual([rewritten, rewritten, rewritten]);
    expect(outcome.admitted).toBe(admitted);
    if (!admitted) expect(outcome.violations.map((violation) => violation.rule)).toContainEqual(expect.stringMatching(/^(valid-references|allowed-registries)$/));
  });

  it.each(conformanceTable.filter((row) => row.admitted))("re-admitting $rewritten (webhook re-invocation, a later UPDATE) changes nothing", ({ rewritten }) => {
    const pod = podWith(rewritten);
    for (const request of [
      { operation: "CREATE", namespace: "default", object: pod },
      { operation: "UPDATE", namespace: "default", object: { ...pod, metadata: { ...pod.metadata, labels: { a: "b" } } }, oldObject: pod },
    ] as const) {
      const outcome = engines[type](request);
      expect(imagesOf(outcome)).toEqual([rewritten, rewritten, rewritten]);
      expect(outcome.admitted).toBe(true);
    }
  });

  it("rewrites a Pod with only containers, leaving the other lists absent", () => {
    const outcome = engines[type]({ operation: "CREATE", namespace: "default", object: podWith("nginx", ["containers"]) });
    expect(outcome.object["spec"]).toEqual({ containers: [{ name: "app", image: "harbor.myco.com/docker.io/nginx" }] });
    expect(outcome.admitted).toBe(true);
  });

  it("neither rewrites nor denies a Deployment: its Pods are rewritten, then checked", () => {
    const template = podWith("nginx", ["containers"]);
    const deployment = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "default" }, spec: { template: { spec: template.spec } } };
    const outcome = engines[type]({ operation: "CREATE", namespace: "default", object: deployment });
    expect(outcome.object).toEqual(deployment);
    expect(outcome.admitted).toBe(true);
  });

  it("leaves excluded namespaces alone", () => {
    const outcome = engines[type]({ operation: "CREATE", namespace: "kube-system", object: podWith("registry.k8s.io/pause:3.9") });
    expect(imagesOf(outcome)).toEqual(Array(3).fill("registry.k8s.io/pause:3.9"));
    expect(outcome.admitted).toBe(true);
  });
});
