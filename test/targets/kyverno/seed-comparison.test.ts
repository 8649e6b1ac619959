import { beforeAll, describe, expect, it } from "vitest";
import type { PolicyNode } from "../../../src/ir/model.ts";
import { explainImage } from "../../../src/targets/kyverno/explain-image.ts";
import { compileKyverno } from "./compile-example.ts";
import { seedAdmits, seedRewrite } from "./seed-policy.ts";

/**
 * Where seed 004's policy goes wrong on a Pod's `containers`, and what regfence's policies do
 * instead (the README table). `seed` is the seed's image after its two rewrite rules, and whether
 * its own validate rule then admits the Pod.
 */
const rows = [
  { image: "busybox", seed: { image: "busybox", admitted: false }, problem: "character class [^harbor.myco.com] skips names starting h a r b o . m y c" },
  { image: "bitnami/redis:7", seed: { image: "bitnami/redis:7", admitted: false }, problem: "same" },
  { image: "harbor.myco.com/docker.io/nginx", seed: { image: "harbor.myco.com/harbor.myco.com/docker.io/nginx", admitted: true }, problem: "not idempotent (re-invocation, UPDATE, autogen)" },
  { image: "index.docker.io/library/nginx", seed: { image: "harbor.myco.com/docker.io/index.harbor.myco.com/docker.io/library/nginx", admitted: true }, problem: "unanchored match, `.` as any character" },
  { image: "public.ecr.aws/nginx/nginx:1", seed: { image: "harbor.myco.com/docker.io/public.ecr.aws/nginx/nginx:1", admitted: true }, problem: "unapproved registry disguised as a Docker Hub path" },
  { image: "localhost:5000/x:1", seed: { image: "harbor.myco.com/docker.io/localhost:5000/x:1", admitted: true }, problem: "same" },
  { image: "gcr.io.evil.com/x", seed: { image: "harbor.myco.com/docker.io/gcr.io.evil.com/x", admitted: true }, problem: "same" },
  { image: "evil.io/docker.io/nginx", seed: { image: "harbor.myco.com/docker.io/evil.io/harbor.myco.com/docker.io/nginx", admitted: true }, problem: "unanchored match inside the path" },
  { image: "mirror.example.com/docker.io/foo:1", seed: { image: "mirror.example.com/harbor.myco.com/docker.io/foo:1", admitted: false }, problem: "unanchored match inside the path" },
  { image: "harbor-myco.com/x", seed: { image: "harbor-myco.com/x", admitted: true }, problem: "wildcard `.` matches any character: a look-alike host is admitted" },
] as const;

let policy: PolicyNode;
beforeAll(async () => {
  policy = (await compileKyverno(["policies/proxy-cache.policy.ts"], "ClusterPolicy")).program.policies.find((candidate) => candidate.name === "proxy-cache") as PolicyNode;
});

describe("seed 004's policy against regfence's", () => {
  it.each(rows)("$image: $problem", ({ image, seed }) => {
    const rewritten = seedRewrite(image);
    expect({ image: rewritten, admitted: seedAdmits(rewritten) }).toEqual(seed);
    const regfence = explainImage([policy], image);
    expect(regfence.rewritten === seed.image && regfence.admitted === seed.admitted).toBe(false);
  });

  it("the seed is right on its own README mapping", () => {
    for (const image of ["gcr.io/heptio-images/eventrouter:v0.3", "velero/velero:v1.6.2", "nginx:latest", "nginx"]) expect(seedRewrite(image)).toBe(explainImage([policy], image).rewritten);
  });
});
