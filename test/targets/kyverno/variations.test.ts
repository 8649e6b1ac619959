import { beforeAll, describe, expect, it } from "vitest";
import type { PolicyNode } from "../../../src/ir/model.ts";
import { explainImage } from "../../../src/targets/kyverno/explain-image.ts";
import { admitCel } from "./cel-engine.ts";
import { compileKyverno, podWith } from "./compile-example.ts";
import { admit, type AdmissionOutcome, type AdmissionRequest } from "./kyverno-engine.ts";
import { imagesOf } from "./table-check.ts";

/**
 * The fixture `kyverno-private-cel`: harbor.myco.com:8443, Docker Hub in project "hub" with
 * `library/` added, quay.io, the team registry registry.myco.com:5000/team, Audit, a pull secret
 * in namespace "registry-auth" (pull-secret.test.ts covers other namespaces).
 * Under Audit every Pod is admitted; `violates` is the first rule that reports it.
 */
const file = "test/fixtures/kyverno-private-cel/private-proxy.policy.ts";
const proxy = "harbor.myco.com:8443";
const rows: readonly { image: string; rewritten: string; violates: string | null }[] = [
  { image: "nginx", rewritten: `${proxy}/hub/library/nginx`, violates: null },
  { image: "nginx:1.27", rewritten: `${proxy}/hub/library/nginx:1.27`, violates: null },
  { image: "velero/velero:v1.6.2", rewritten: `${proxy}/hub/velero/velero:v1.6.2`, violates: null },
  { image: "docker.io/nginx", rewritten: `${proxy}/hub/library/nginx`, violates: null },
  { image: "registry-1.docker.io/nginx:1", rewritten: `${proxy}/hub/library/nginx:1`, violates: null },
  { image: "index.docker.io/library/nginx", rewritten: `${proxy}/hub/library/nginx`, violates: null },
  { image: "quay.io/jetstack/cert-manager:v1.4.1", rewritten: `${proxy}/quay.io/jetstack/cert-manager:v1.4.1`, violates: null },
  { image: `${proxy}/hub/library/nginx`, rewritten: `${proxy}/hub/library/nginx`, violates: null },
  { image: "registry.myco.com:5000/team/app:1", rewritten: "registry.myco.com:5000/team/app:1", violates: null },
  { image: "registry.myco.com:5000/team/sub/app", rewritten: "registry.myco.com:5000/team/sub/app", violates: null },
  { image: "registry.myco.com:5000/team", rewritten: "registry.myco.com:5000/team", violates: "allowed-registries" },
  { image: "registry.myco.com:5000/team-evil/app", rewritten: "registry.myco.com:5000/team-evil/app", violates: "allowed-registries" },
  { image: "registry.myco.com/team/app", rewritten: "registry.myco.com/team/app", violates: "allowed-registries" },
  { image: "harbor.myco.com/hub/nginx", rewritten: "harbor.myco.com/hub/nginx", violates: "allowed-registries" },
  { image: "gcr.io/distroless/static", rewritten: "gcr.io/distroless/static", violates: "allowed-registries" },
  { image: "Nginx", rewritten: "Nginx", violates: "valid-references" },
  { image: "a".repeat(245), rewritten: `${proxy}/hub/library/${"a".repeat(245)}`, violates: "valid-references" },
];

let policy: PolicyNode;
const engines: Record<"ClusterPolicy" | "CEL", (request: AdmissionRequest) => AdmissionOutcome> = {} as never;

beforeAll(async () => {
  const cluster = await compileKyverno([file], "ClusterPolicy");
  const cel = await compileKyverno([file], "CEL");
  policy = cluster.program.policies.find((candidate) => candidate.name === "private-proxy") as PolicyNode;
  const clusterPolicies = [...cluster.files.entries()].filter(([path]) => path.startsWith("kubernetes/kyverno/")).flatMap(([, documents]) => documents);
  const celPolicies = [...cel.files.entries()].filter(([path]) => path.startsWith("kubernetes/kyverno/")).flatMap(([, documents]) => documents);
  engines.ClusterPolicy = (request) => admit(clusterPolicies, request);
  engines.CEL = (request) => admitCel(celPolicies, request);
});

describe("library/, a named project, a path prefix and Audit, three ways", () => {
  it.each(rows)("explain: $image", ({ image, rewritten, violates }) => {
    const explanation = explainImage([policy], image);
    expect(explanation).toMatchObject({ rewritten, admitted: true });
    expect(explanation.reason).toMatch(violates === null ? /admitted by rule allowed-registries/ : new RegExp(`violates rule ${violates}: .*Audit mode`));
  });

  describe.each(["ClusterPolicy", "CEL"] as const)("%s", (type) => {
    it.each(rows)("$image", ({ image, rewritten, violates }) => {
      const outcome = engines[type]({ operation: "CREATE", namespace: "default", object: podWith(image) });
      expect(imagesOf(outcome)).toEqual([rewritten, rewritten, rewritten]);
      expect(outcome.admitted).toBe(true);
      // Every failing rule is reported; the first one is the rule that decided.
      expect(outcome.violations[0]?.rule ?? null).toBe(violates);
      expect(outcome.violations.every((violation) => violation.action === "Audit")).toBe(true);
    });

    it("adds the pull secret on CREATE when an image comes from the proxy, merged with the Pod's own", () => {
      const pod = podWith("nginx", ["containers"]);
      const created = engines[type]({ operation: "CREATE", namespace: "registry-auth", object: { ...pod, spec: { ...pod.spec, imagePullSecrets: [{ name: "own" }] } } });
      expect((created.object["spec"] as { imagePullSecrets: unknown }).imagePullSecrets).toEqual([{ name: "own" }, { name: "harbor-robot" }]);
      const again = engines[type]({ operation: "CREATE", namespace: "registry-auth", object: created.object });
      expect(again.object).toEqual(created.object);
    });

    it("adds no pull secret for other registries, nor on UPDATE (imagePullSecrets is immutable)", () => {
      const internal = engines[type]({ operation: "CREATE", namespace: "registry-auth", object: podWith("registry.myco.com:5000/team/app", ["containers"]) });
      expect(internal.object["spec"]).not.toHaveProperty("imagePullSecrets");
      const running = podWith(`${proxy}/hub/library/nginx`, ["containers"]);
      const updated = engines[type]({ operation: "UPDATE", namespace: "registry-auth", object: { ...running, metadata: { ...running.metadata, labels: { a: "b" } } }, oldObject: running });
      expect(updated.object["spec"]).not.toHaveProperty("imagePullSecrets");
    });

    it("leaves every excluded namespace alone", () => {
      for (const namespace of ["kube-system", "monitoring"]) {
        const outcome = engines[type]({ operation: "CREATE", namespace, object: podWith("gcr.io/x") });
        expect(imagesOf(outcome)).toEqual(["gcr.io/x", "gcr.io/x", "gcr.io/x"]);
        expect(outcome.violations).toEqual([]);
      }
    });
  });

  it("explain leaves excluded namespaces alone too", () => {
    expect(explainImage([policy], "gcr.io/x", "monitoring")).toMatchObject({ rewritten: "gcr.io/x", admitted: true, reason: expect.stringContaining("excluded") });
  });
});
