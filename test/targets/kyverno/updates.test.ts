import { beforeAll, describe, expect, it } from "vitest";
import { admitCel } from "./cel-engine.ts";
import { compileKyverno, kyvernoDocuments, podWith } from "./compile-example.ts";
import { admit, type AdmissionOutcome, type AdmissionRequest, type Manifest } from "./kyverno-engine.ts";
import { imagesOf } from "./table-check.ts";

/**
 * UPDATEs of Pods under the worked example (harbor.myco.com fronting Docker Hub and others, Enforce).
 * A Pod created before the policy runs `nginx`: a metadata update must neither rewrite it (a changed
 * image restarts the container) nor deny it (controllers label Pods and remove finalizers), while
 * `kubectl debug` (an UPDATE of the ephemeralcontainers subresource) gets its new container rewritten
 * and checked, and `kubectl set image` gets the changed image rewritten and checked (audit F6): a
 * container is "already running" only with the very (name, image) pair of the old Pod.
 */
const engines: Record<"ClusterPolicy" | "CEL", (request: AdmissionRequest) => AdmissionOutcome> = {} as never;

beforeAll(async () => {
  const clusterPolicies = kyvernoDocuments(await compileKyverno(["policies/proxy-cache.policy.ts"], "ClusterPolicy"));
  const celPolicies = kyvernoDocuments(await compileKyverno(["policies/proxy-cache.policy.ts"], "CEL"));
  engines.ClusterPolicy = (request) => admit(clusterPolicies, request);
  engines.CEL = (request) => admitCel(celPolicies, request);
});

/** A Pod that predates the policy: `nginx`, never rewritten. */
const old = podWith("nginx", ["containers"]);
const withSpec = (pod: Manifest, spec: Record<string, unknown>): Manifest => ({ ...pod, spec: { ...(pod["spec"] as object), ...spec } });
const debug = (image: string, name = "debugger") => ({ name, image });

describe.each(["ClusterPolicy", "CEL"] as const)("%s", (type) => {
  it("a metadata update of a Pod that predates the policy changes no image and is admitted", () => {
    const labelled = { ...old, metadata: { ...old.metadata, labels: { team: "a" } } };
    const outcome = engines[type]({ operation: "UPDATE", namespace: "default", object: labelled, oldObject: old });
    expect(imagesOf(outcome)).toEqual(["nginx"]);
    expect(outcome.admitted).toBe(true);
  });

  it("kubectl debug rewrites the new ephemeral container only, and admits it", () => {
    const outcome = engines[type]({ operation: "UPDATE", subResource: "ephemeralcontainers", namespace: "default", object: withSpec(old, { ephemeralContainers: [debug("busybox")] }), oldObject: old });
    expect(imagesOf(outcome)).toEqual(["nginx", "harbor.myco.com/docker.io/busybox"]);
    expect(outcome.admitted).toBe(true);
  });

  it("a second kubectl debug leaves the first ephemeral container as it was (the API server refuses changes to it)", () => {
    const debugged = withSpec(old, { ephemeralContainers: [debug("alpine", "first")] });
    const outcome = engines[type]({ operation: "UPDATE", subResource: "ephemeralcontainers", namespace: "default", object: withSpec(debugged, { ephemeralContainers: [debug("alpine", "first"), debug("busybox")] }), oldObject: debugged });
    expect(imagesOf(outcome)).toEqual(["nginx", "alpine", "harbor.myco.com/docker.io/busybox"]);
    expect(outcome.admitted).toBe(true);
  });

  it("kubectl debug with an image from no allowed registry is denied", () => {
    const outcome = engines[type]({ operation: "UPDATE", subResource: "ephemeralcontainers", namespace: "default", object: withSpec(old, { ephemeralContainers: [debug("registry.k8s.io/e2e-test-images/agnhost:2.45")] }), oldObject: old });
    expect(outcome.admitted).toBe(false);
    expect(outcome.violations.map((violation) => violation.rule)).toContain("allowed-registries");
  });

  it.each([
    ["gcr.io.evil.com/x", "gcr.io.evil.com/x", false],
    ["nginx:1.27", "harbor.myco.com/docker.io/nginx:1.27", true],
    ["quay.io/org/app:2", "harbor.myco.com/quay.io/org/app:2", true],
    ["harbor.myco.com/docker.io/nginx:1.27", "harbor.myco.com/docker.io/nginx:1.27", true],
  ] as const)("kubectl set image to %s: rewritten to %s and judged, admitted: %s", (image, rewritten, admitted) => {
    const outcome = engines[type]({ operation: "UPDATE", namespace: "default", object: podWith(image, ["containers"]), oldObject: old });
    expect(imagesOf(outcome)).toEqual([rewritten]);
    expect(outcome.admitted).toBe(admitted);
  });

  it("no container can borrow another container's old image", () => {
    const legacy = withSpec(old, { initContainers: [{ name: "init", image: "public.ecr.aws/x/y:1" }] });
    const borrowed = withSpec(legacy, { containers: [{ name: "app", image: "public.ecr.aws/x/y:1" }] });
    const outcome = engines[type]({ operation: "UPDATE", namespace: "default", object: borrowed, oldObject: legacy });
    expect(outcome.admitted).toBe(false);
    expect(outcome.violations.map((violation) => violation.rule)).toEqual(["allowed-registries"]);
    expect(outcome.violations[0]?.message).toMatch(/public\.ecr\.aws\/x\/y:1\)?$/);
  });
});
