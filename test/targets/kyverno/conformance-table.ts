/**
 * The conformance table for the worked example `policies/proxy-cache.policy.ts`: harbor.myco.com
 * fronting gcr.io, ghcr.io, quay.io and Docker Hub, admission Enforce allowing only the proxy.
 * Each row is checked three ways (explain, the ClusterPolicies, the CEL policies).
 *
 * `rewritten` is the image the Pod ends up with; `admitted` whether the API server accepts the Pod.
 * `seed` marks rows where jvanzyl/kyverno-registries' policy (seed 004) goes wrong, and how.
 */
export interface ConformanceRow {
  readonly image: string;
  readonly rewritten: string;
  readonly admitted: boolean;
  readonly why: string;
}

const proxy = "harbor.myco.com";
const sha256 = `sha256:${"0123456789abcdef".repeat(4)}`;
const sha512 = `sha512:${"fedcba9876543210".repeat(8)}`;

const to = (rest: string): string => `${proxy}/${rest}`;
const rewrite = (image: string, rewritten: string, why: string): ConformanceRow => ({ image, rewritten, admitted: true, why });
const keep = (image: string, why: string): ConformanceRow => ({ image, rewritten: image, admitted: true, why });
const deny = (image: string, why: string): ConformanceRow => ({ image, rewritten: image, admitted: false, why });

export const conformanceTable: readonly ConformanceRow[] = [
  // Seed 004's mapping, verbatim.
  rewrite("gcr.io/heptio-images/eventrouter:v0.3", to("gcr.io/heptio-images/eventrouter:v0.3"), "seed 004"),
  rewrite("ghcr.io/jvanzyl/nginx:latest", to("ghcr.io/jvanzyl/nginx:latest"), "seed 004"),
  rewrite("quay.io/jetstack/cert-manager:v1.4.1", to("quay.io/jetstack/cert-manager:v1.4.1"), "seed 004"),
  rewrite("docker.io/nirmata/kyverno:latest", to("docker.io/nirmata/kyverno:latest"), "seed 004"),
  rewrite("velero/velero:v1.6.2", to("docker.io/velero/velero:v1.6.2"), "seed 004: implied Docker Hub"),
  rewrite("nginx:latest", to("docker.io/nginx:latest"), "seed 004: implied Docker Hub"),
  rewrite("nginx", to("docker.io/nginx"), "seed 004: no tag added"),
  // The seed's character class `[^harbor.myco.com]` skips names starting with h a r b o . m y c.
  rewrite("busybox", to("docker.io/busybox"), "seed leaves it (b)"),
  rewrite("alpine:3.19", to("docker.io/alpine:3.19"), "seed leaves it (a)"),
  rewrite("redis:7", to("docker.io/redis:7"), "seed leaves it (r)"),
  rewrite("mysql:8", to("docker.io/mysql:8"), "seed leaves it (m)"),
  rewrite("httpd", to("docker.io/httpd"), "seed leaves it (h)"),
  rewrite("bitnami/redis:7", to("docker.io/bitnami/redis:7"), "seed leaves it (b)"),
  rewrite("library/nginx", to("docker.io/library/nginx"), "explicit library/ kept"),
  rewrite("a_b/c-d.e", to("docker.io/a_b/c-d.e"), "separators in a Docker Hub path"),
  rewrite("nginx:Latest", to("docker.io/nginx:Latest"), "tags may be uppercase"),
  rewrite("localhost", to("docker.io/localhost"), "a single name is always Docker Hub"),
  // Docker Hub named explicitly or by its aliases.
  rewrite("docker.io/library/nginx:1", to("docker.io/library/nginx:1"), "explicit docker.io"),
  rewrite("index.docker.io/library/nginx", to("docker.io/library/nginx"), "alias; seed: index.harbor.myco.com/…"),
  rewrite("index.docker.io/nginx", to("docker.io/nginx"), "alias"),
  rewrite("registry-1.docker.io/library/nginx:1.27", to("docker.io/library/nginx:1.27"), "alias"),
  // Digests are kept as written.
  rewrite(`nginx@${sha256}`, to(`docker.io/nginx@${sha256}`), "digest"),
  rewrite(`app:1.0@${sha256}`, to(`docker.io/app:1.0@${sha256}`), "tag and digest"),
  rewrite(`gcr.io/distroless/static@${sha256}`, to(`gcr.io/distroless/static@${sha256}`), "digest"),
  rewrite(`quay.io/prometheus/node-exporter:v1.8.2@${sha512}`, to(`quay.io/prometheus/node-exporter:v1.8.2@${sha512}`), "sha512"),
  // Already on the proxy: untouched (webhook re-invocation, UPDATE); seed prefixes it again.
  keep("harbor.myco.com/docker.io/nginx", "idempotent; seed: harbor.myco.com/harbor.myco.com/…"),
  keep("harbor.myco.com/gcr.io/heptio-images/eventrouter:v0.3", "idempotent"),
  keep(`harbor.myco.com/docker.io/library/nginx@${sha256}`, "idempotent with digest"),
  keep("harbor.myco.com/team/app:2", "the whole proxy host is allowed"),
  // Not approved: left alone for the allowlist to reject (the seed disguises some as Docker Hub).
  deny("public.ecr.aws/nginx/nginx:1", "seed: harbor.myco.com/docker.io/public.ecr.aws/…"),
  deny("registry.k8s.io/pause:3.9", "not an upstream"),
  deny("mirror.example.com/docker.io/foo:1", "seed: mirror.example.com/harbor.myco.com/…"),
  deny("evil.io/docker.io/nginx", "upstream name inside the path"),
  deny("gcr.io.evil.com/x", "look-alike host"),
  deny("xgcr.io/x", "look-alike host"),
  deny("docker.io.evil.com/nginx", "look-alike host"),
  deny("harbor.myco.com.evil.com/docker.io/nginx", "allowlist prefix ends in /"),
  deny("harbor-myco.com/docker.io/nginx", "a wildcard `.` would admit it"),
  deny("harbor.myco.com:443/docker.io/nginx", "another host string"),
  deny("gcr.io:443/x", "upstream with a port is another host"),
  deny("localhost:5000/app", "seed: harbor.myco.com/docker.io/localhost:5000/…"),
  deny("localhost/app", "localhost is a host"),
  deny("192.168.1.10:5000/team/app:1", "IP and port"),
  deny("[::1]:5000/app:1", "IPv6 and port"),
  deny("UPPER/x", "an uppercase first component is a host"),
  // Not valid references: neither rewritten nor admitted.
  deny("Nginx", "invalid: uppercase path"),
  deny("nginx:", "invalid: empty tag"),
  deny("", "invalid: empty"),
  deny("a//b", "invalid: empty component"),
  deny("UPPER/X", "invalid: uppercase path"),
  deny("gcr.io/", "invalid: no path"),
  deny("-bad.io/x", "invalid host"),
  deny("nginx@sha256:abc", "invalid: short digest"),
  deny(`nginx@md5:${"0".repeat(32)}`, "invalid: digest algorithm"),
  deny("0123456789abcdef".repeat(4), "invalid: an image ID"),
  deny(`gcr.io/${"a".repeat(256)}`, "invalid: path over 255"),
  deny("a".repeat(248), "invalid: with library/ over 255"),
  deny(`docker.io/${"a".repeat(248)}`, "invalid: with library/ over 255"),
  // Valid, but the rewritten path `docker.io/<247>` is over 255: rewritten, then denied.
  { image: "a".repeat(247), rewritten: to(`docker.io/${"a".repeat(247)}`), admitted: false, why: "rewritten reference too long" },
];
