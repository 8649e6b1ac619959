import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProject, positionOf, removeProjects } from "../../helpers/run-cli.ts";

afterAll(removeProjects);

type Severity = "error" | "warning" | "info";

interface Row {
  /** Each policy's body after `name`, as source, by policy name; one file per policy. */
  readonly policies: Readonly<Record<string, string>>;
  /** What is reported, by the policy whose file it is in. */
  readonly expected: readonly { readonly policy: string; readonly code: string; readonly severity: Severity; readonly says: string }[];
}

const proxy = (host: string, upstreams = `["docker.io"]`) => `proxyCache: harborProxyCache({ host: "${host}", upstreams: ${upstreams} }),`;
const guarded = `admission: { excludeNamespaces: ["kube-system"] },`;

const rows: Readonly<Record<string, Row>> = {
  "the worked example is clean": {
    policies: { p: `${proxy("harbor.myco.com", `["gcr.io", "docker.io"]`)} admission: { allow: ["harbor.myco.com"] },` },
    expected: [],
  },
  "a proxy host Docker reads as a Docker Hub namespace": {
    policies: { p: `${proxy("harbor")} admission: {},` },
    expected: [{ policy: "p", code: "RF3001", severity: "error", says: '"harbor/…" reads as a Docker Hub namespace' }],
  },
  "localhost as the proxy": {
    policies: { p: `${proxy("localhost")} admission: {},` },
    expected: [{ policy: "p", code: "RF3001", severity: "error", says: "each node's own localhost" }],
  },
  "an upstream without a domain": {
    policies: { p: `${proxy("harbor.myco.com", `["myregistry"]`)} admission: {},` },
    expected: [{ policy: "p", code: "RF3002", severity: "error", says: '"myregistry" reads as a Docker Hub namespace' }],
  },
  "the proxy proxying itself": {
    policies: { p: `${proxy("harbor.myco.com", `["harbor.myco.com"]`)} admission: {},` },
    expected: [{ policy: "p", code: "RF3003", severity: "error", says: "would be rewritten onto itself" }],
  },
  "a policy name too long for its Kyverno policies": {
    policies: { [`p-${"x".repeat(52)}`]: `admission: { allow: ["registry.myco.com"] },` },
    expected: [{ policy: `p-${"x".repeat(52)}`, code: "RF3005", severity: "error", says: "is longer than 63 characters" }],
  },
  "a pull secret for another registry": {
    policies: { p: `credentials: [robot], proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["docker.io"], pullSecret: robot }), admission: {},` },
    expected: [{ policy: "p", code: "RF3006", severity: "warning", says: "logs in to registry.myco.com, not to the proxy cache harbor.myco.com" }],
  },
  "allowing an upstream directly": {
    policies: { p: `${proxy("harbor.myco.com")} admission: { allow: ["index.docker.io"] },` },
    expected: [{ policy: "p", code: "RF3007", severity: "warning", says: "allowing index.docker.io has no effect" }],
  },
  "a proxy cache with no upstreams": {
    policies: { p: `${proxy("harbor.myco.com", "[]")} admission: {},` },
    expected: [{ policy: "p", code: "RF3008", severity: "warning", says: "has no upstreams, so no image is rewritten and no rewrite policy is emitted" }],
  },
  "a proxy cache with no upstreams but a pull secret": {
    policies: { p: `credentials: [harbor], proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: [], pullSecret: harbor }), admission: {},` },
    expected: [{ policy: "p", code: "RF3008", severity: "warning", says: "its rewrite policy only adds the pull secret" }],
  },
  "a proxy cache without admission": {
    policies: { p: proxy("harbor.myco.com") },
    expected: [
      { policy: "p", code: "RF3009", severity: "info", says: "images from other registries are not restricted" },
      { policy: "p", code: "RF3013", severity: "warning", says: "no namespace is excluded from the rewrite" },
    ],
  },
  "a pull secret without a namespace": {
    policies: { p: `credentials: [unplaced], proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["docker.io"], pullSecret: unplaced }), admission: {},` },
    expected: [{ policy: "p", code: "RF3014", severity: "warning", says: 'the pull secret "unplaced" has no namespace, so Kyverno cannot copy it' }],
  },
  "two proxies rewriting Docker Hub differently (each allowlist then denies the other's images)": {
    policies: { a: `${proxy("harbor-a.myco.com")} ${guarded}`, b: `${proxy("harbor-b.myco.com")} ${guarded}` },
    expected: [
      { policy: "b", code: "RF3010", severity: "error", says: 'docker.io is also proxied by policy "a", to harbor-a.myco.com/docker.io/ instead of harbor-b.myco.com/docker.io/' },
      { policy: "b", code: "RF3011", severity: "error", says: 'the Enforce allowlists of policies "a", "b" have no registry in common' },
    ],
  },
  "two proxies rewriting Docker Hub alike are no conflict, but two allowlists warn": {
    policies: { a: `${proxy("harbor.myco.com")} ${guarded}`, b: `${proxy("harbor.myco.com", `["docker.io", "quay.io"]`)} ${guarded}` },
    expected: [{ policy: "b", code: "RF3012", severity: "warning", says: 'admission is also declared by policy "a": every allowlist applies to every Pod, so an image must be allowed by each of them (together they allow only harbor.myco.com/)' }],
  },
  "a proxy and a team allowlist without the proxy": {
    policies: { proxy: `${proxy("harbor.myco.com")} ${guarded}`, team: `admission: { allow: ["registry.myco.com"] },` },
    expected: [{ policy: "team", code: "RF3011", severity: "error", says: "have no registry in common: every allowlist applies to every Pod, so every Pod would be denied" }],
  },
  "a proxy without admission and another policy's allowlist without it": {
    policies: { proxy: proxy("harbor.myco.com", `["docker.io", "quay.io"]`), team: `admission: { allow: ["registry.myco.com", "harbor.myco.com/quay.io"] },` },
    expected: [
      { policy: "proxy", code: "RF3009", severity: "info", says: "not restricted" },
      { policy: "proxy", code: "RF3013", severity: "warning", says: "no namespace is excluded" },
      { policy: "team", code: "RF3011", severity: "error", says: 'policy "team" denies every image the proxy cache of policy "proxy" rewrites from docker.io (to harbor.myco.com/)' },
    ],
  },
  "a proxy rewriting another proxy's host": {
    policies: { a: `${proxy("harbor-a.myco.com", `["harbor-b.myco.com"]`)} admission: { allow: ["harbor-b.myco.com"] },`, b: proxy("harbor-b.myco.com") },
    expected: [
      { policy: "a", code: "RF3007", severity: "warning", says: "allowing harbor-b.myco.com has no effect" },
      { policy: "a", code: "RF3010", severity: "error", says: 'harbor-b.myco.com is the proxy cache of policy "b": the images it rewrites onto harbor-b.myco.com would be rewritten again by policy "a", onto harbor-a.myco.com' },
      { policy: "b", code: "RF3009", severity: "info", says: "not restricted" },
      { policy: "b", code: "RF3013", severity: "warning", says: "no namespace is excluded" },
    ],
  },
  "two policies sharing a proxy cache with different pull secrets (which one a Pod gets would depend on order)": {
    policies: {
      a: `credentials: [harbor], proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["docker.io"], pullSecret: harbor }), ${guarded}`,
      b: `proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["quay.io"] }),`,
    },
    expected: [
      { policy: "b", code: "RF3009", severity: "info", says: "not restricted" },
      { policy: "b", code: "RF3013", severity: "warning", says: "no namespace is excluded" },
      { policy: "b", code: "RF3016", severity: "error", says: 'policy "a" uses the same proxy cache harbor.myco.com with pull secret "harbor", this one with no pull secret' },
    ],
  },
  "two allowlists with a registry in common": {
    policies: { a: `admission: { allow: ["registry.myco.com"] },`, b: `admission: { allow: ["registry.myco.com/team", "other.myco.com"] },` },
    expected: [{ policy: "b", code: "RF3012", severity: "warning", says: "together they allow only registry.myco.com/team/" }],
  },
  "an Audit allowlist with nothing in common only warns": {
    policies: { a: `admission: { allow: ["registry.myco.com"] },`, b: `admission: { mode: "Audit", allow: ["other.myco.com"] },` },
    expected: [{ policy: "b", code: "RF3012", severity: "warning", says: "no registry passes all of them" }],
  },
};

const prelude = `import { credential, definePolicy, externalSecret, harborProxyCache } from "regfence";

const store = { kind: "SecretStore", name: "vault" } as const;
const robot = credential("robot", { server: "registry.myco.com", delivery: externalSecret({ namespace: "registry-auth", store, remoteRef: { key: "robot" } }) });
const harbor = credential("harbor", { server: "harbor.myco.com", delivery: externalSecret({ namespace: "registry-auth", store, remoteRef: { key: "harbor" } }) });
const unplaced = credential("unplaced", { server: "harbor.myco.com", delivery: externalSecret({ store, remoteRef: { key: "harbor" } }) });
`;

/** Each row is its own directory, validated alone: policies of one row interact, rows do not. */
const cases = Object.entries(rows).map(([title, row], index) => ({
  title,
  row,
  directory: `rows/${index}`,
  files: Object.fromEntries(
    Object.entries(row.policies).map(([name, body]) => [`rows/${index}/${name}.policy.ts`, `${prelude}\nexport default definePolicy({\n  name: ${JSON.stringify(name)},\n  ${body}\n});\n`]),
  ),
}));

interface Reported {
  code: string;
  severity: string;
  message: string;
  hint?: string;
  file: string;
  line: number;
}

describe("kyverno target: what regfence validate reports", () => {
  const reported = new Map<string, Reported[]>();

  beforeAll(async () => {
    const project = await createProject(Object.assign({}, ...cases.map(({ files }) => files)) as Record<string, string>);
    await Promise.all(
      cases.map(async ({ directory }) => {
        const result = await project.run(["validate", directory, "--target", "kyverno", "--format", "json", "--no-typecheck"]);
        const { diagnostics } = JSON.parse(result.stdout) as { diagnostics: Reported[] };
        reported.set(
          directory,
          diagnostics.filter((diagnostic) => diagnostic.code.startsWith("RF3")),
        );
      }),
    );
  });

  it.each(cases)("$title", ({ row, directory }) => {
    const key = (finding: { code: string; file: string }) => `${finding.file} ${finding.code}`;
    const actual = [...(reported.get(directory) ?? [])].sort((a, b) => key(a).localeCompare(key(b)));
    const expected = row.expected.map((entry) => ({ ...entry, file: `${directory}/${entry.policy}.policy.ts` })).sort((a, b) => key(a).localeCompare(key(b)));
    expect(actual.map(({ code, severity, file }) => ({ code, severity, file }))).toEqual(expected.map(({ code, severity, file }) => ({ code, severity, file })));
    for (const [index, entry] of expected.entries()) {
      expect(actual[index]?.message).toContain(entry.says);
      expect(actual[index]?.hint, "every finding has a hint").toBeTruthy();
      expect(actual[index]?.line, "anchored in the policy").toBeGreaterThan(0);
    }
  });
});

describe("kyverno findings point at the field that causes them (audit R3)", () => {
  it("RF3005 at the policy's name, RF3001 at the proxy's host, RF3008 at its upstreams", async () => {
    const source = `import { definePolicy, harborProxyCache } from "regfence";

export default definePolicy({
  name: "p-${"x".repeat(60)}",
  proxyCache: harborProxyCache({ host: "harbor", upstreams: [] }),
});
`;
    const project = await createProject({ "policies/p.policy.ts": source });
    const result = await project.run(["validate", "--target", "kyverno", "--format", "json", "--no-typecheck"]);
    const { diagnostics } = JSON.parse(result.stdout) as { diagnostics: Reported[] & { column: number }[] };
    const at = (code: string) => {
      const found = diagnostics.find((diagnostic) => diagnostic.code === code) as (Reported & { column: number }) | undefined;
      return found === undefined ? undefined : `${found.file}:${found.line}:${found.column}`;
    };
    expect(at("RF3005")).toBe(positionOf("policies/p.policy.ts", source, `"p-x`));
    expect(at("RF3001")).toBe(positionOf("policies/p.policy.ts", source, `"harbor"`));
    expect(at("RF3008")).toBe(positionOf("policies/p.policy.ts", source, "[]"));
  });
});

