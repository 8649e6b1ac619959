import { definePolicy, expectImage, harborProxyCache } from "regfence";

/**
 * Developers may use gcr.io, ghcr.io, quay.io and Docker Hub images, always pulled through the
 * Harbor proxy cache; nothing else is admitted (kyverno-registries, seed 004).
 */
export default definePolicy({
  name: "proxy-cache",
  proxyCache: harborProxyCache({
    host: "harbor.myco.com",
    upstreams: ["gcr.io", "ghcr.io", "quay.io", "docker.io"],
    // Public projects, reached only from the cluster's networks: nodes pull from them anonymously.
    projects: { public: true },
    nodeMirrors: { runtimes: ["containerd", "cri-o", "k3s", "talos"] },
  }),
  admission: {
    mode: "Enforce",
    allow: ["harbor.myco.com"],
    excludeNamespaces: ["kube-system"],
  },
  tests: [
    // The seven rewrites of the Kyverno + Harbor document (seed 004), each then admitted.
    expectImage("gcr.io/heptio-images/eventrouter:v0.3", { rewrittenTo: "harbor.myco.com/gcr.io/heptio-images/eventrouter:v0.3", admitted: true }),
    expectImage("ghcr.io/jvanzyl/nginx:latest", { rewrittenTo: "harbor.myco.com/ghcr.io/jvanzyl/nginx:latest", admitted: true }),
    expectImage("quay.io/jetstack/cert-manager:v1.4.1", { rewrittenTo: "harbor.myco.com/quay.io/jetstack/cert-manager:v1.4.1", admitted: true }),
    expectImage("docker.io/nirmata/kyverno:latest", { rewrittenTo: "harbor.myco.com/docker.io/nirmata/kyverno:latest", admitted: true }),
    expectImage("velero/velero:v1.6.2", { rewrittenTo: "harbor.myco.com/docker.io/velero/velero:v1.6.2", admitted: true }),
    expectImage("nginx:latest", { rewrittenTo: "harbor.myco.com/docker.io/nginx:latest", admitted: true }),
    expectImage("nginx", { rewrittenTo: "harbor.myco.com/docker.io/nginx", admitted: true }),
    // Already on the proxy: left alone (the document's policy prefixed these twice).
    expectImage("harbor.myco.com/quay.io/prometheus/prometheus:v2.53.0", { rewrittenTo: "harbor.myco.com/quay.io/prometheus/prometheus:v2.53.0", admitted: true }),
    // Images starting with the letters of harbor.myco.com, which the document's character class skipped.
    expectImage("busybox:1.36", { rewrittenTo: "harbor.myco.com/docker.io/busybox:1.36", admitted: true }),
    // Other registries, look-alike hosts included, are denied.
    expectImage("registry.example.com/team/app:1.0", { rewrittenTo: "registry.example.com/team/app:1.0", admitted: false }),
    expectImage("docker.io.evil.example/nginx:1.27", { admitted: false }),
    expectImage("harbor.myco.com.evil.example/docker.io/nginx", { admitted: false }),
    // Nodes fetch upstream images through the mirrors, as written (a static Pod, the webhook down).
    expectImage("nginx:1.27", { nodesPullFrom: "harbor.myco.com" }),
    expectImage("quay.io/prometheus/prometheus:v2.53.0", { nodesPullFrom: "harbor.myco.com" }),
    // kube-system is excluded: neither rewritten nor judged.
    expectImage("registry.k8s.io/coredns/coredns:v1.11.1", { namespace: "kube-system", rewrittenTo: "registry.k8s.io/coredns/coredns:v1.11.1", admitted: true }),
  ],
});
