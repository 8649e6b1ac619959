import { regexReplaceAll, wildcardMatch } from "./kyverno-functions.ts";

/**
 * Seed 004's policy (jvanzyl/kyverno-registries `registry-policies.yaml`), its three rules as
 * Kyverno evaluates them on one container's image: rule 2 and rule 3 rewrite in order (`{{@}}` is
 * the image), then rule 1 validates the result against its wildcard pattern. Kept to show, in
 * tests and the README, where it goes wrong and what regfence emits instead.
 */
export function seedRewrite(image: string): string {
  const explicit = regexReplaceAll("(quay.io|gcr.io|ghcr.io|docker.io)/(.*)", image, "harbor.myco.com/$1/$2");
  return regexReplaceAll("^([^harbor.myco.com].*)", explicit, "harbor.myco.com/docker.io/$1");
}

/** Rule 1: `spec.containers[].image: "harbor.myco.com/* | quay.io/* | gcr.io/* | ghcr.io/* | docker.io/*"`. */
export function seedAdmits(image: string): boolean {
  return "harbor.myco.com/* | quay.io/* | gcr.io/* | ghcr.io/* | docker.io/*".split(" | ").some((pattern) => wildcardMatch(pattern, image));
}
