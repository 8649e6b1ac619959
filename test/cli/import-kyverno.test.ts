/**
 * `regfence import kyverno`: hand-written image policies (the Kyverno + Harbor document's, the
 * policy library's) become a proxy cache and admission rules that rewrite and admit as the
 * source document says, what cannot be translated is named at its line, and plan then shows
 * regfence's policies to create and the old ones that would fight them.
 */
import { readFile } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { createProject, removeProjects } from "../helpers/run-cli.ts";

/** The generated TypeScript on one line, without trailing commas: what it says, whatever the line breaks. */
const flat = (source: string): string => source.replace(/,(\s*[}\]])/g, "$1").replace(/\s+/g, " ").replace(/([[{]) /g, "$1").replace(/ ([\]}])/g, "$1");

afterAll(removeProjects);

/** jvanzyl/kyverno-registries `registry-policies.yaml`, as the Kyverno + Harbor notes quote it. */
const seedPolicy = `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: replace-image-registries
spec:
  background: false
  rules:
    - name: validate-registries
      match:
        resources:
          kinds: [Pod]
      validate:
        message: "Unknown image registry."
        pattern:
          spec:
            containers:
              - image: "harbor.myco.com/* | quay.io/* | gcr.io/* | ghcr.io/* | docker.io/*"
    - name: replace-registries
      match:
        resources:
          kinds: [Pod]
      mutate:
        patchStrategicMerge:
          spec:
            containers:
              - (name): "*"
                image: |-
                  {{ regex_replace_all('(quay.io|gcr.io|ghcr.io|docker.io)/(.*)', '{{@}}', 'harbor.myco.com/$1/$2') }}
    - name: replace-docker
      match:
        resources:
          kinds: [Pod]
      mutate:
        patchStrategicMerge:
          spec:
            containers:
              - (name): "*"
                image: |-
                  {{ regex_replace_all('^([^harbor.myco.com].*)', '{{@}}', 'harbor.myco.com/docker.io/$1') }}
`;

/** The seed document's table: each image and where it must be pulled from. */
const seedTable = [
  ["gcr.io/heptio-images/eventrouter:v0.3", "harbor.myco.com/gcr.io/heptio-images/eventrouter:v0.3"],
  ["ghcr.io/jvanzyl/nginx:latest", "harbor.myco.com/ghcr.io/jvanzyl/nginx:latest"],
  ["quay.io/jetstack/cert-manager:v1.4.1", "harbor.myco.com/quay.io/jetstack/cert-manager:v1.4.1"],
  ["docker.io/nirmata/kyverno:latest", "harbor.myco.com/docker.io/nirmata/kyverno:latest"],
  ["velero/velero:v1.6.2", "harbor.myco.com/docker.io/velero/velero:v1.6.2"],
  ["nginx:latest", "harbor.myco.com/docker.io/nginx:latest"],
  ["nginx", "harbor.myco.com/docker.io/nginx"],
];

describe("regfence import kyverno", () => {
  it("turns the Harbor document's policy into a proxy cache that rewrites its table, and names its bug", async () => {
    const project = await createProject({ "state/kyverno/registry-policies.yaml": seedPolicy });
    const imported = await project.run(["import", "kyverno", "--from", "state", "--out", "policies/proxy-cache.policy.ts"]);
    expect(imported.stderr).toContain(
      `state/kyverno/registry-policies.yaml:38:24 warning RF1102 ClusterPolicy replace-image-registries rule replace-docker: the implied-docker.io rule's ^([^harbor.myco.com].*) is a character class`,
    );
    expect(imported.status).toBe(0);
    expect(imported.stderr).not.toContain("RF3007");
    const policy = flat(await readFile(project.path("policies/proxy-cache.policy.ts"), "utf8"));
    expect(policy).toContain('proxyCache: harborProxyCache({host: "harbor.myco.com", upstreams: ["quay.io", "gcr.io", "ghcr.io", "docker.io"]})');
    // The upstreams, rewritten before admission, need no allowing: only the proxy is.
    expect(policy).toContain('admission: {mode: "Audit", allow: ["harbor.myco.com"]}');

    const explained = await project.run(["explain", "--format", "json", ...seedTable.map(([image]) => image ?? "")]);
    const verdicts = JSON.parse(explained.stdout) as { image: string; rewritten: string; admitted: boolean }[];
    expect(verdicts.map(({ image, rewritten, admitted }) => [image, rewritten, admitted])).toEqual(seedTable.map(([image, rewritten]) => [image, rewritten, true]));

    // Plan: regfence's two policies to create, and the old one named as fighting them.
    const plan = await project.run(["plan", "--target", "kyverno", "--from", "state"]);
    expect(plan.stdout).toContain("+ ClusterPolicy proxy-cache-rewrite");
    expect(plan.stderr).toContain("RF3018 ClusterPolicy replace-image-registries, not made by regfence, mutates container images");
    expect(plan.status).toBe(3);
  });

  it("translates the policy library's Harbor rewrite and allowlist, and says why its single-mirror rewrite is not", async () => {
    const library = `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: replace-image-registry-with-harbor
spec:
  rules:
    - name: redirect-docker
      match:
        any:
          - resources:
              kinds: [Pod]
              operations: [CREATE, UPDATE]
      mutate:
        foreach:
          - list: request.object.spec.containers
            context:
              - name: imageData
                imageRegistry:
                  reference: "{{ element.image }}"
            preconditions:
              any:
                - key: "{{imageData.registry}}"
                  operator: Equals
                  value: index.docker.io
            patchStrategicMerge:
              spec:
                containers:
                  - name: "{{ element.name }}"
                    image: harbor.example.com/k8s/{{imageData.repository}}:{{imageData.identifier}}
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: restrict-image-registries
spec:
  validationFailureAction: Enforce
  rules:
    - name: validate-registries
      match:
        any:
          - resources:
              kinds: [Pod]
      exclude:
        any:
          - resources:
              namespaces: [kube-system]
      validate:
        message: "Unknown image registry."
        pattern:
          spec:
            containers:
              - image: "harbor.example.com/* | eu.foo.io/* | bar.io/team-*"
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: replace-image-registry
spec:
  rules:
    - name: replace-image-registry-pod-containers
      match:
        any:
          - resources:
              kinds: [Pod]
      mutate:
        foreach:
          - list: request.object.spec.containers
            patchStrategicMerge:
              spec:
                containers:
                  - name: "{{ element.name }}"
                    image: "{{ regex_replace_all('^(localhost/|(?:[a-z0-9]+\\\\.)+[a-z0-9]+/)?(.*)$', '{{element.image}}', 'myregistry.corp.com/$2' )}}"
`;
    const project = await createProject({ "state/kyverno/cluster.yaml": library });
    const imported = await project.run(["import", "kyverno", "--from", "state"]);
    expect(imported.stderr).toContain('state/kyverno/cluster.yaml:52:24 warning RF1102 ClusterPolicy restrict-image-registries rule validate-registries: allows "bar.io/team-*", which is not a registry prefix');
    expect(imported.stderr).toContain(
      "state/kyverno/cluster.yaml:72:28 warning RF1102 ClusterPolicy replace-image-registry rule replace-image-registry-pod-containers: rewrites every registry's images to myregistry.corp.com without the registry's name",
    );
    expect(imported.status).toBe(0);
    const policy = flat(await readFile(project.path("policies/imported-kyverno.policy.ts"), "utf8"));
    expect(policy).toContain('proxyCache: harborProxyCache({host: "harbor.example.com", upstreams: [{registry: "docker.io", project: "k8s"}], dockerHubLibraryPrefix: true})');
    expect(policy).toContain('admission: {mode: "Enforce", allow: ["harbor.example.com", "eu.foo.io"], excludeNamespaces: ["kube-system"]}');
    const explained = await project.run(["explain", "--format", "json", "nginx:1.27"]);
    expect(JSON.parse(explained.stdout)).toMatchObject([{ image: "nginx:1.27", rewritten: "harbor.example.com/k8s/library/nginx:1.27", admitted: true }]);
  });

  it("writes nothing when no policy is one it can translate", async () => {
    const project = await createProject({ "state/kyverno/labels.yaml": "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: require-labels\nspec:\n  rules: []\n" });
    const result = await project.run(["import", "kyverno", "--from", "state"]);
    expect(result.stderr).toContain("regfence: kyverno: nothing under state/kyverno that import translates");
    expect(result.status).toBe(1);
  });
});
