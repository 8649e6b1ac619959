import { definePolicy, harborProxyCache } from "regfence";

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
});
