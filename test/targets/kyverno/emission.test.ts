import { readdir, readFile } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { createProject, removeProjects } from "../../helpers/run-cli.ts";
import { schemaErrors, schemasAvailable } from "./schemas.ts";

afterAll(removeProjects);

/**
 * A proxy cache with no upstreams rewrites nothing. Its rewrite policy would have no rule (a
 * ClusterPolicy with `rules: []`, a MutatingPolicy with `mutations: []`, which its schema forbids),
 * so none is emitted, unless a pull secret still has to be added.
 */
const policy = (pullSecret: boolean) => `import { credential, definePolicy, externalSecret, harborProxyCache } from "regfence";

const robot = credential("robot", { server: "harbor.myco.com", delivery: externalSecret({ namespace: "registry-auth", store: { kind: "SecretStore", name: "vault" }, remoteRef: { key: "robot" } }) });

export default definePolicy({
  name: "p",
  credentials: [robot],
  proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: []${pullSecret ? ", pullSecret: robot" : ""} }),
  admission: { excludeNamespaces: ["kube-system"] },
});
`;

async function compile(pullSecret: boolean, policyType: "ClusterPolicy" | "CEL") {
  const project = await createProject({ "policies/p.policy.ts": policy(pullSecret), ".regfencerc.json": JSON.stringify({ kyverno: { policyType } }) });
  const result = await project.run(["compile", "--target", "kyverno", "--no-typecheck"]);
  expect(result.status, result.stderr).toBe(0);
  const directory = project.path("out", "kubernetes", "kyverno");
  const files = (await readdir(directory)).sort();
  const documents = Object.fromEntries(await Promise.all(files.map(async (file) => [file, parseAllDocuments(await readFile(`${directory}/${file}`, "utf8"))[0]?.toJS() as Record<string, unknown>] as const)));
  return { output: result.stdout + result.stderr, files, documents };
}

describe.each(["ClusterPolicy", "CEL"] as const)("%s: a proxy cache with no upstreams", (policyType) => {
  it("emits no rewrite policy, and says so (RF3008)", async () => {
    const { output, files } = await compile(false, policyType);
    expect(files).toEqual(["p-allowlist.yaml"]);
    expect(output).toMatch(/RF3008 the proxy cache harbor\.myco\.com has no upstreams, so no image is rewritten and no rewrite policy is emitted/);
  });

  it("with a pull secret, emits a rewrite policy that only adds it", async () => {
    const { output, documents } = await compile(true, policyType);
    expect(output).toContain("its rewrite policy only adds the pull secret");
    const rewrite = documents["p-rewrite.yaml"] as { spec: { rules?: { name: string }[]; mutations?: { patchType: string; jsonPatch: { expression: string } }[] } };
    if (policyType === "ClusterPolicy") expect(rewrite.spec.rules?.map((rule) => rule.name)).toEqual(["add-pull-secret"]);
    else expect(rewrite.spec.mutations?.map((mutation) => [mutation.patchType, mutation.jsonPatch.expression])).toEqual([["JSONPatch", expect.stringContaining("imagePullSecrets")]]);
    if (schemasAvailable) for (const document of Object.values(documents)) expect(schemaErrors(document)).toEqual([]);
  });
});
