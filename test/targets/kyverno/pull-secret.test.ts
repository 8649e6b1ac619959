import { beforeAll, describe, expect, it } from "vitest";
import { admitCel } from "./cel-engine.ts";
import { type CompiledKyverno, compileKyverno, kyvernoDocuments, podWith } from "./compile-example.ts";
import { admit, type AdmissionOutcome, type AdmissionRequest, type Manifest } from "./kyverno-engine.ts";

/**
 * The pull Secret lives in one namespace (the credential's delivery namespace, "registry-auth" in
 * both fixtures); a Pod may name it in imagePullSecrets only where it exists. Both policy types
 * copy it into every namespace whose Pods get it (a ClusterPolicy generate rule, a GeneratingPolicy).
 */
const fixtures = {
  "kyverno-private-cluster": { file: "test/fixtures/kyverno-private-cluster/private-cluster.policy.ts", secret: "harbor-pull" },
  "kyverno-private-cel": { file: "test/fixtures/kyverno-private-cel/private-proxy.policy.ts", secret: "harbor-robot" },
} as const;
const source = "registry-auth";
const namespaces = ["default", "team-a", source, "harbor", "monitoring", "kube-system"];

type Type = "ClusterPolicy" | "CEL";
const compiled = new Map<string, CompiledKyverno>();
const key = (fixture: keyof typeof fixtures, type: Type) => `${fixture} ${type}`;

beforeAll(async () => {
  for (const [name, { file }] of Object.entries(fixtures)) {
    for (const type of ["ClusterPolicy", "CEL"] as const) compiled.set(key(name as keyof typeof fixtures, type), await compileKyverno([file], type));
  }
});

/** The cluster `resource.Get` reads: the source Secret in its namespace. */
const cluster = (secret: string) => new Map([[`v1/secrets/${source}/${secret}`, { apiVersion: "v1", kind: "Secret", metadata: { name: secret, namespace: source, uid: "1", resourceVersion: "7" }, type: "kubernetes.io/dockerconfigjson" }]]);

function engine(fixture: keyof typeof fixtures, type: Type): (request: AdmissionRequest) => AdmissionOutcome {
  const documents = kyvernoDocuments(compiled.get(key(fixture, type)) as CompiledKyverno);
  const secrets = cluster(fixtures[fixture].secret);
  return type === "ClusterPolicy" ? (request) => admit(documents, request) : (request) => admitCel(documents, request, secrets);
}

const namespaceObject = (name: string): Manifest => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
const pullSecretsOf = (outcome: AdmissionOutcome) => ((outcome.object["spec"] as { imagePullSecrets?: { name: string }[] }).imagePullSecrets ?? []).map((entry) => entry.name);

describe.each(Object.keys(fixtures) as (keyof typeof fixtures)[])("%s", (fixture) => {
  const { secret } = fixtures[fixture];
  const image = "nginx";

  it.each(["ClusterPolicy", "CEL"] as const)("%s: a Pod names the pull secret only in a namespace that has the Secret", (type) => {
    const admission = engine(fixture, type);
    const copies = namespaces.flatMap((namespace) => (admission({ operation: "CREATE", namespace, object: namespaceObject(namespace) }).generated ?? []) as { metadata: { namespace: string } }[]);
    const present = new Set([source, ...copies.map((copy) => copy.metadata.namespace)]);
    const named = namespaces.filter((namespace) => pullSecretsOf(admission({ operation: "CREATE", namespace, object: podWith(image, ["containers"]) })).includes(secret));
    expect(named.length, "the pull secret is added somewhere").toBeGreaterThan(0);
    for (const namespace of named) expect(present, `namespace ${namespace}`).toContain(namespace);
  });

  it("ClusterPolicy: copies the Secret into every other namespace, existing ones too, and keeps it in sync", () => {
    const files = (compiled.get(key(fixture, "ClusterPolicy")) as CompiledKyverno).files;
    expect([...files.keys()].filter((file) => file.startsWith("kubernetes/kyverno/")).sort()).toContainEqual(expect.stringMatching(/-pull-secret\.yaml$/));
    const admission = engine(fixture, "ClusterPolicy");
    expect(admission({ operation: "CREATE", namespace: "team-a", object: namespaceObject("team-a") }).generated).toEqual([
      { apiVersion: "v1", kind: "Secret", metadata: { name: secret, namespace: "team-a" }, clonedFrom: { namespace: source, name: secret }, synchronized: true, forExisting: true },
    ]);
    for (const skipped of [source, "kube-system"]) expect(admission({ operation: "CREATE", namespace: skipped, object: namespaceObject(skipped) }).generated).toEqual([]);
    expect(admission({ operation: "CREATE", namespace: "team-a", object: podWith(image, ["containers"]) }).generated).toEqual([]);
  });

  it("CEL: a GeneratingPolicy copies the Secret into every other namespace, existing ones too, and keeps it in sync", () => {
    const { files, diagnostics } = compiled.get(key(fixture, "CEL")) as CompiledKyverno;
    expect(files.get(`kubernetes/kyverno/${fixture === "kyverno-private-cel" ? "private-proxy" : "private-cluster"}-pull-secret.yaml`)?.[0]?.["kind"]).toBe("GeneratingPolicy");
    expect(diagnostics.map((diagnostic) => diagnostic.code)).not.toContain("RF3015");
    const admission = engine(fixture, "CEL");
    expect(admission({ operation: "CREATE", namespace: "team-a", object: namespaceObject("team-a") }).generated).toEqual([
      { apiVersion: "v1", kind: "Secret", metadata: { name: secret, namespace: "team-a" }, synchronized: true, forExisting: true },
    ]);
    for (const skipped of [source, "kube-system"]) expect(admission({ operation: "CREATE", namespace: skipped, object: namespaceObject(skipped) }).generated).toEqual([]);
  });

  it.each(["ClusterPolicy", "CEL"] as const)("%s: the pull secret is added once, the image still rewritten, and a re-invocation changes nothing", (type) => {
    const admission = engine(fixture, type);
    const first = admission({ operation: "CREATE", namespace: "team-a", object: podWith(image, ["containers"]) });
    expect(first.violations.filter((violation) => violation.rule === "mutation")).toEqual([]);
    expect(pullSecretsOf(first)).toEqual([secret]);
    const rewrittenImage = ((first.object["spec"] as { containers: { image: string }[] }).containers[0] as { image: string }).image;
    expect(rewrittenImage).not.toBe(image);
    const again = admission({ operation: "CREATE", namespace: "team-a", object: first.object });
    expect(again.object).toEqual(first.object);
    const withOther = admission({ operation: "CREATE", namespace: "team-a", object: { ...podWith(image, ["containers"]), spec: { ...(podWith(image, ["containers"]).spec as object), imagePullSecrets: [{ name: "other" }] } } });
    expect(pullSecretsOf(withOther)).toEqual(["other", secret]);
  });
});
