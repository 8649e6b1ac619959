import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProject, removeProjects } from "../../helpers/run-cli.ts";

afterAll(removeProjects);

interface Row {
  /** The policy's body after `name`, as source. */
  readonly body: string;
  readonly expected: readonly { readonly code: string; readonly severity: "error" | "warning" | "info"; readonly says: string }[];
}

const rows: Readonly<Record<string, Row>> = {
  "the worked example is clean": {
    body: `proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["gcr.io", "docker.io"] }), admission: { allow: ["harbor.myco.com"] },`,
    expected: [],
  },
  "a proxy host Docker reads as a Docker Hub namespace": {
    body: `proxyCache: harborProxyCache({ host: "harbor", upstreams: ["docker.io"] }), admission: {},`,
    expected: [{ code: "RF3001", severity: "error", says: '"harbor/…" reads as a Docker Hub namespace' }],
  },
  "localhost as the proxy": {
    body: `proxyCache: harborProxyCache({ host: "localhost", upstreams: ["docker.io"] }), admission: {},`,
    expected: [{ code: "RF3001", severity: "error", says: "each node's own localhost" }],
  },
  "an upstream without a domain": {
    body: `proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["myregistry"] }), admission: {},`,
    expected: [{ code: "RF3002", severity: "error", says: '"myregistry" reads as a Docker Hub namespace' }],
  },
  "the proxy proxying itself": {
    body: `proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["harbor.myco.com"] }), admission: {},`,
    expected: [{ code: "RF3003", severity: "error", says: "would be rewritten onto itself" }],
  },
  "a policy name too long for its Kyverno policies": {
    body: `admission: { allow: ["registry.myco.com"] },`,
    expected: [{ code: "RF3005", severity: "error", says: "is longer than 63 characters" }],
  },
  "a pull secret for another registry": {
    body: `credentials: [robot], proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["docker.io"], pullSecret: robot }), admission: {},`,
    expected: [{ code: "RF3006", severity: "warning", says: "logs in to registry.myco.com, not to the proxy cache harbor.myco.com" }],
  },
  "allowing an upstream directly": {
    body: `proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["docker.io"] }), admission: { allow: ["index.docker.io"] },`,
    expected: [{ code: "RF3007", severity: "warning", says: "allowing index.docker.io has no effect" }],
  },
  "a proxy cache with no upstreams": {
    body: `proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: [] }), admission: {},`,
    expected: [{ code: "RF3008", severity: "warning", says: "has no upstreams" }],
  },
  "a proxy cache without admission": {
    body: `proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["docker.io"] }),`,
    expected: [{ code: "RF3009", severity: "info", says: "images from other registries are not restricted" }],
  },
};

const cases = Object.entries(rows).map(([title, row], index) => {
  const name = title.startsWith("a policy name too long") ? `p${index}-${"x".repeat(52)}` : `p${index}`;
  const source = `import { credential, definePolicy, externalSecret, harborProxyCache } from "regfence";

const robot = credential("robot", { server: "registry.myco.com", delivery: externalSecret({ store: { kind: "SecretStore", name: "vault" }, remoteRef: { key: "robot" } }) });

export default definePolicy({
  name: ${JSON.stringify(name)},
  ${row.body}
});
`;
  return { title, row, file: `policies/row-${index}.policy.ts`, source };
});

describe("kyverno target: what regfence validate reports", () => {
  let diagnostics: { code: string; severity: string; message: string; hint?: string; file: string; line: number }[];

  beforeAll(async () => {
    const project = await createProject(Object.fromEntries(cases.map(({ file, source }) => [file, source])));
    const result = await project.run(["validate", "policies", "--target", "kyverno", "--format", "json", "--no-typecheck"]);
    diagnostics = (JSON.parse(result.stdout) as { diagnostics: typeof diagnostics }).diagnostics.filter((diagnostic) => diagnostic.code.startsWith("RF3"));
  });

  it.each(cases)("$title", ({ row, file }) => {
    const actual = diagnostics.filter((diagnostic) => diagnostic.file === file);
    expect(actual.map(({ code, severity }) => ({ code, severity }))).toEqual(row.expected.map(({ code, severity }) => ({ code, severity })));
    for (const [index, expected] of row.expected.entries()) {
      expect(actual[index]?.message).toContain(expected.says);
      expect(actual[index]?.hint, "every finding has a hint").toBeTruthy();
      expect(actual[index]?.line, "anchored in the policy").toBeGreaterThan(0);
    }
  });
});
