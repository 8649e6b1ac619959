/**
 * buildProgram: every IR finding code, the defaults it fills in, and the shape of the frozen IR.
 *
 * DSL values are made with the real DSL functions; positions come from a fake Anchoring that
 * names the root value in `file` (`network:qa`, `policy:p`, …) and keeps the path as given, so
 * each finding shows exactly which value and which argument path it blames.
 */
import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/diagnostics/finding.ts";
import {
  azureRegistry,
  containerHost,
  credential,
  definePolicy,
  externalSecret,
  fromEnv,
  fromFile,
  harborProxyCache,
  kubernetesSecret,
  network,
  ovhRegistry,
  type IpAddressOrCidr,
  type IpRule,
  type Policy,
  type PolicyDefinition,
} from "../../src/dsl/index.ts";
import type { Anchoring } from "../../src/ir/anchoring.ts";
import { buildProgram } from "../../src/ir/build-program.ts";
import type { ProgramNode } from "../../src/ir/model.ts";

function label(root: unknown): string {
  const value = root as { kind?: unknown; name?: unknown };
  return typeof value.name === "string" ? `${String(value.kind)}:${value.name}` : String(value.kind);
}

/** Values are "written" in files named after them; secret sources in `policies/shared/secrets.ts`. */
const anchoring: Anchoring = {
  at: (root, path) => ({ file: label(root) === "secret-source" ? "policies/shared/secrets.ts" : label(root), line: 1, column: 1, path: [...(path ?? [])] }),
};

function build(...policies: Policy[]): { program: ProgramNode; findings: readonly Finding[] } {
  return buildProgram(
    policies.map((value) => ({ file: `policies/${value.name}.policy.ts`, value, anchors: anchoring })),
    { cwd: "/repo", projectRoot: "/repo" },
  );
}

/** `severity code root path`, one per finding, in report order. */
function summary(findings: readonly Finding[]): string[] {
  return findings.map((finding) => `${finding.severity} ${finding.code} ${finding.at.file} ${finding.at.path.join(".")}`.trimEnd());
}

/** Casts for values the template types reject, as `as any` or plain JavaScript would pass them. */
const cidr = (text: string) => text as IpAddressOrCidr;
const rules = (...blocks: string[]): IpRule[] => blocks.map((block, index) => ({ cidr: cidr(block), description: `rule ${index}` }));
const policy = (definition: Partial<PolicyDefinition> = {}): Policy => definePolicy({ name: "p", ...definition });
const secretCredential = (name: string, server = "registry.myco.com") =>
  credential(name, { server, username: fromEnv("USER"), password: fromEnv("PASSWORD") });

interface Row {
  readonly name: string;
  readonly policies: () => Policy[];
  /** Every finding, in order (`severity code root path`). */
  readonly expected: readonly string[];
  /** Messages and hints of the findings, by index, where they matter. */
  readonly details?: Readonly<Record<number, { message?: string | RegExp; hint?: string | RegExp | undefined }>>;
}

const rows: readonly Row[] = [
  {
    name: "a valid policy has no findings",
    policies: () => {
      const production = network("production", rules("192.0.2.0/24", "2001:db8::/32"));
      const robot = secretCredential("robot");
      return [
        policy({
          networks: [production],
          proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["docker.io", "quay.io"], pullSecret: robot }),
          admission: { allow: ["registry.myco.com:5000/team"], excludeNamespaces: ["kube-system"] },
          registries: [azureRegistry("acr", { resourceGroup: "rg", networks: ["production"] })],
          containerHosts: [containerHost("vch1", { whitelist: ["10.2.40.40:443", production] })],
          credentials: [robot],
        }),
      ];
    },
    expected: [],
  },
  // RF2001 / RF2002: addresses
  {
    name: "RF2001 invalid address",
    policies: () => [policy({ networks: [network("n", rules("192.0.2.0/24", "not-an-ip", "10.0.0.256", "10.0.0.0/33"))] })],
    expected: ["error RF2001 network:n rules.1.cidr", "error RF2001 network:n rules.2.cidr", "error RF2001 network:n rules.3.cidr"],
    details: { 0: { message: '"not-an-ip" is not a valid IPv4 or IPv6 address' }, 2: { message: /prefix length 33 is out of range/ } },
  },
  {
    name: "RF2002 host bits set, with the network address as hint",
    policies: () => [policy({ networks: [network("n", rules("192.0.2.1/24", "2001:db8::1/32"))] })],
    expected: ["error RF2002 network:n rules.0.cidr", "error RF2002 network:n rules.1.cidr"],
    details: {
      0: { message: '"192.0.2.1/24" has host bits set', hint: 'write the network address: "192.0.2.0/24"' },
      1: { hint: 'write the network address: "2001:db8::/32"' },
    },
  },
  // RF2003 / RF2004: overlaps
  {
    name: "RF2003 duplicate within a network (a bare address is its /32)",
    policies: () => [policy({ networks: [network("n", rules("192.0.2.7", "198.51.100.0/24", "192.0.2.7/32"))] })],
    expected: ["warning RF2003 network:n rules.2.cidr"],
    details: { 0: { message: '192.0.2.7/32 is listed twice (also in network "n")', hint: "remove one of them" } },
  },
  {
    name: "RF2003 the same network twice in one list, by value and by name",
    policies: () => {
      const a = network("a", rules("10.0.0.0/8"));
      return [policy({ networks: [a], registries: [azureRegistry("acr", { resourceGroup: "rg", networks: [a, "a"] })] })];
    },
    expected: ["warning RF2003 azure-registry:acr networks.1"],
    details: { 0: { message: 'network "a" is listed twice', hint: "remove the repeated reference" } },
  },
  {
    name: "RF2003 an allowed registry listed twice, but not for naming the proxy cache once",
    policies: () => [
      policy({
        proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["docker.io"] }),
        admission: { allow: ["registry.myco.com", "harbor.myco.com", "registry.myco.com"] },
      }),
    ],
    expected: ["warning RF2003 policy:p admission.allow.2"],
  },
  {
    name: "RF2005 a whitelist entry that names a network is a host name, said so",
    policies: () => {
      const office = network("office", rules("198.51.100.0/24"));
      return [policy({ networks: [office], containerHosts: [containerHost("vch1", { whitelist: ["office", office] })] })];
    },
    expected: ["warning RF2005 container-host:vch1 whitelist.0"],
    details: { 0: { hint: "to whitelist the network, reference its value: whitelist: [office]" } },
  },
  {
    name: "RF2003 duplicate across networks of one registry list",
    policies: () => {
      const a = network("a", rules("10.0.0.0/8"));
      const b = network("b", rules("10.0.0.0/8"));
      return [policy({ registries: [azureRegistry("acr", { resourceGroup: "rg", networks: [a, b] })] })];
    },
    expected: ["warning RF2003 network:b rules.0.cidr"],
    details: { 0: { message: '10.0.0.0/8 is listed twice (also in network "a")' } },
  },
  {
    name: "RF2004 contained within a network, whichever comes first",
    policies: () => [policy({ networks: [network("n", rules("10.0.0.0/8", "10.1.0.0/16")), network("m", rules("172.16.5.0/24", "172.16.0.0/12"))] })],
    expected: ["warning RF2004 network:n rules.1.cidr", "warning RF2004 network:m rules.0.cidr"],
    details: {
      0: { message: '10.1.0.0/16 is already covered by 10.0.0.0/8 (network "n")', hint: "remove 10.1.0.0/16, or narrow 10.0.0.0/8" },
      1: { message: '172.16.5.0/24 is already covered by 172.16.0.0/12 (network "m")' },
    },
  },
  {
    name: "RF2004 contained across networks of one registry list",
    policies: () => {
      const wide = network("wide", rules("10.0.0.0/8"));
      const narrow = network("narrow", rules("10.1.2.3"));
      return [policy({ registries: [ovhRegistry("mpr", { serviceName: "s", registryId: "r", management: [narrow, wide], registry: "open" })] })];
    },
    expected: ["warning RF2004 network:narrow rules.0.cidr"],
    details: { 0: { message: '10.1.2.3/32 is already covered by 10.0.0.0/8 (network "wide")' } },
  },
  {
    name: "RF2004 within a network is not reported again where the network is used",
    policies: () => {
      const n = network("n", rules("10.0.0.0/8", "10.1.0.0/16"));
      return [
        policy({
          networks: [n],
          registries: [
            azureRegistry("acr", { resourceGroup: "rg", networks: [n] }),
            ovhRegistry("mpr", { serviceName: "s", registryId: "r", management: ["n"], registry: [n] }),
          ],
          containerHosts: [containerHost("vch", { whitelist: [n] })],
        }),
      ];
    },
    expected: ["warning RF2004 network:n rules.1.cidr"],
  },
  {
    name: "no overlap across address families (IPv4-mapped IPv6) or between adjacent blocks",
    policies: () => [policy({ networks: [network("n", rules("10.0.0.0/8", "::ffff:10.0.0.0/104", "192.0.2.0/24", "192.0.3.0/24"))] })],
    expected: [],
  },
  // RF2101: unsafe names
  {
    name: "RF2101 unsafe policy name",
    policies: () => [definePolicy({ name: "Bad_Policy" })],
    expected: ["error RF2101 policy:Bad_Policy name"],
    details: { 0: { message: 'invalid policy name "Bad_Policy"', hint: /lowercase letters, digits and '-'/ } },
  },
  {
    name: "RF2101 unsafe registry names",
    policies: () => [
      policy({
        registries: [
          azureRegistry("../acr", { resourceGroup: "rg" }),
          ovhRegistry("", { serviceName: "s", registryId: "r", management: "open", registry: "open" }),
          azureRegistry("a".repeat(64), { resourceGroup: "rg" }),
        ],
      }),
    ],
    expected: ["error RF2101 azure-registry:../acr name", "error RF2101 ovh-registry: name", `error RF2101 azure-registry:${"a".repeat(64)} name`],
    details: { 1: { message: 'invalid registry name "": the name is empty' }, 2: { message: /at most 63 are allowed/ } },
  },
  {
    name: "RF2101 unsafe network name",
    policies: () => [policy({ networks: [network("prod net", rules("192.0.2.0/24"))] })],
    expected: ["error RF2101 network:prod net name"],
  },
  {
    name: "RF2101 unsafe credential name",
    policies: () => [policy({ credentials: [secretCredential("Robot_Account")] })],
    expected: ["error RF2101 credential:Robot_Account name"],
    details: { 0: { message: 'invalid credential name "Robot_Account": it names a Kubernetes Secret and a file' } },
  },
  {
    name: "RF2101 unsafe container host name",
    policies: () => [policy({ containerHosts: [containerHost("-vch", {})] })],
    expected: ["error RF2101 container-host:-vch name"],
  },
  // RF2102: duplicate names
  {
    name: "RF2102 network defined twice with different contents",
    policies: () => {
      const listed = network("prod", rules("192.0.2.0/24"));
      const other = network("prod", rules("198.51.100.0/24"));
      return [policy({ networks: [listed], registries: [azureRegistry("acr", { resourceGroup: "rg", networks: [other] })] })];
    },
    expected: ["error RF2102 network:prod name"],
    details: { 0: { message: 'network "prod" is defined more than once', hint: /define each network once/ } },
  },
  {
    name: "RF2102 registries of the same kind and name across policies",
    policies: () => [
      definePolicy({ name: "one", registries: [azureRegistry("acr", { resourceGroup: "rg" }), ovhRegistry("shared", { serviceName: "s", registryId: "r", management: "open", registry: "open" })] }),
      definePolicy({ name: "two", registries: [azureRegistry("acr", { resourceGroup: "other" }), azureRegistry("shared", { resourceGroup: "rg" })] }),
    ],
    expected: ["error RF2102 azure-registry:acr"],
    details: { 0: { message: 'azure registry "acr" is defined more than once', hint: "also defined at azure-registry:acr:1:1; names must be unique across all policies" } },
  },
  {
    name: "RF2102 container hosts and credentials across policies",
    policies: () => [
      definePolicy({ name: "one", containerHosts: [containerHost("vch", {})], credentials: [secretCredential("robot")] }),
      definePolicy({ name: "two", containerHosts: [containerHost("vch", {})], credentials: [secretCredential("robot")] }),
    ],
    expected: ["error RF2102 container-host:vch", "error RF2102 credential:robot"],
    details: { 0: { message: 'container host "vch" is defined more than once' }, 1: { message: 'credential "robot" is defined more than once' } },
  },
  {
    name: "RF2102 two policies with the same name",
    policies: () => [definePolicy({ name: "same" }), definePolicy({ name: "same" })],
    expected: ["error RF2102 policy:same 0.name"],
    details: { 0: { message: 'policy "same" is defined more than once' } },
  },
  // RF2103: references
  {
    name: "RF2103 unknown network name, hint lists the known ones",
    policies: () => [
      policy({
        networks: [network("qa", rules("192.0.1.0/24")), network("dev", rules("192.0.3.0/24"))],
        registries: [azureRegistry("acr", { resourceGroup: "rg", networks: ["qa", "production"] })],
      }),
    ],
    expected: ["error RF2103 azure-registry:acr networks.1"],
    details: { 0: { message: 'unknown network "production"', hint: "networks listed in this policy's `networks`: dev, qa" } },
  },
  {
    name: "RF2103 unknown network name when no network is known",
    policies: () => [policy({ registries: [ovhRegistry("mpr", { serviceName: "s", registryId: "r", management: "open", registry: ["production"] })] })],
    expected: ["error RF2103 ovh-registry:mpr registry.0"],
    details: { 0: { hint: /define it with network\(…\) and list it in the policy's `networks`/ } },
  },
  {
    name: "RF2103 pull secret not among the policy's credentials",
    policies: () => [policy({ proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["quay.io"], pullSecret: secretCredential("robot") }) })],
    expected: ["error RF2103 harbor-proxy-cache pullSecret"],
    details: { 0: { message: 'the pull secret credential "robot" is not one of the policy\'s credentials' } },
  },
  // RF2104 / RF2105: upstreams
  {
    name: "RF2104 docker.io and index.docker.io are the same upstream",
    policies: () => [policy({ proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["docker.io", "quay.io", { registry: "index.docker.io", project: "hub" }] }) })],
    expected: ["error RF2104 harbor-proxy-cache upstreams.2.registry"],
    details: { 0: { message: 'upstream "index.docker.io" is listed more than once', hint: "docker.io, index.docker.io, registry-1.docker.io are all Docker Hub" } },
  },
  {
    name: "RF2104 any upstream listed twice",
    policies: () => [policy({ proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["quay.io", "quay.io"] }) })],
    expected: ["error RF2104 harbor-proxy-cache upstreams.1"],
    details: { 0: { hint: undefined } },
  },
  {
    name: "RF2105 bad Harbor project, given or defaulted from the host",
    policies: () => [policy({ proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: [{ registry: "ghcr.io", project: "My Project" }, "Quay.IO"] }) })],
    expected: ["error RF2105 harbor-proxy-cache upstreams.0.project", "error RF2105 harbor-proxy-cache upstreams.1"],
    details: { 0: { message: '"My Project" is not a valid Harbor project name' } },
  },
  // RF2106: namespaces
  {
    name: "RF2106 bad namespace in admission and in a credential's delivery",
    policies: () => [
      policy({
        proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: [] }),
        admission: { excludeNamespaces: ["kube-system", "Kube_System"] },
        credentials: [credential("robot", { server: "registry.myco.com", username: fromEnv("U"), password: fromEnv("P"), delivery: kubernetesSecret({ namespace: "kcp.system" }) })],
      }),
    ],
    expected: ["error RF2106 policy:p admission.excludeNamespaces.1", "error RF2106 credential:robot delivery.namespace"],
    details: { 0: { message: '"Kube_System" is not a valid namespace name' } },
  },
  // RF2201 / RF2202 / RF2203: hosts and admission
  {
    name: "RF2201 bad proxy, upstream and credential hosts",
    policies: () => [
      policy({
        proxyCache: harborProxyCache({ host: "https://harbor.myco.com", upstreams: ["ghcr.io/org"] }),
        credentials: [secretCredential("robot", "registry.myco.com/path")],
      }),
    ],
    expected: ["error RF2201 harbor-proxy-cache host", "error RF2201 harbor-proxy-cache upstreams.0", "error RF2201 credential:robot server"],
    details: { 0: { message: '"https://harbor.myco.com" is not a registry host' } },
  },
  {
    name: "RF2202 bad allow entries, RF2003 repeated ones",
    policies: () => [
      policy({
        admission: { allow: ["team-a", "registry.myco.com/x@sha256:abc", "registry.myco.com:5000", "registry.myco.com:5000"] },
      }),
    ],
    expected: ["error RF2202 policy:p admission.allow.0", "error RF2202 policy:p admission.allow.1", "warning RF2003 policy:p admission.allow.3"],
    details: { 0: { message: /^"team-a" is not a registry: .*would be read as a Docker Hub namespace/ } },
  },
  {
    name: "RF2203 admission that allows nothing",
    policies: () => [policy({ admission: { mode: "Audit" } })],
    expected: ["error RF2203 policy:p admission"],
    details: { 0: { message: "admission allows no registry, so every Pod would be denied" } },
  },
  {
    name: "RF2203 when every allow entry is invalid",
    policies: () => [policy({ admission: { allow: ["not a host"] } })],
    expected: ["error RF2202 policy:p admission.allow.0", "error RF2203 policy:p admission"],
  },
];

describe("buildProgram findings", () => {
  it.each(rows)("$name", ({ policies, expected, details }) => {
    const { findings } = build(...policies());
    expect(summary(findings)).toEqual(expected);
    for (const [index, want] of Object.entries(details ?? {})) {
      const finding = findings[Number(index)];
      if (want.message !== undefined) expect(finding?.message).toMatch(want.message);
      if ("hint" in want) {
        if (want.hint === undefined) expect(finding?.hint).toBeUndefined();
        else expect(finding?.hint).toMatch(want.hint);
      }
    }
  });

  it("collects every problem of a policy in one run", () => {
    const { findings } = build(
      definePolicy({
        name: "Everything_Wrong",
        networks: [network("n", rules("10.0.0.1/8", "bogus"))],
        proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["docker.io", "docker.io"], pullSecret: secretCredential("stray") }),
        admission: { allow: ["team-a"], excludeNamespaces: ["NS"] },
        registries: [azureRegistry("acr", { resourceGroup: "rg", networks: ["missing"] })],
        containerHosts: [containerHost("vch/1", {})],
        credentials: [secretCredential("robot", "not a host")],
      }),
    );
    expect(new Set(findings.map((finding) => finding.code))).toEqual(new Set(["RF2101", "RF2002", "RF2001", "RF2104", "RF2103", "RF2202", "RF2106", "RF2201"]));
    expect(summary(findings)).toHaveLength(10);
  });

  it("reports the problems of every policy, not only the first broken one", () => {
    const { findings } = build(
      definePolicy({ name: "a", networks: [network("n", rules("bogus"))] }),
      definePolicy({ name: "b", admission: {} }),
      definePolicy({ name: "C" }),
    );
    expect(summary(findings)).toEqual(["error RF2001 network:n rules.0.cidr", "error RF2203 policy:b admission", "error RF2101 policy:C name"]);
  });

  // BUG (src/ir/build-networks.ts, NetworkTable#resolve → reportOverlaps): the cross-network check
  // runs once per list, and the warning is anchored at the network's rule, not at the list, so the
  // same pair of networks in several lists gives the identical RF2004 (same position, message and
  // hint) once per list: three times here.
  it("reports an overlap across networks once, however many lists repeat the pair", () => {
    const wide = network("wide", rules("10.0.0.0/8"));
    const narrow = network("narrow", rules("10.1.0.0/16"));
    const { findings } = build(
      policy({
        registries: [
          ovhRegistry("mpr", { serviceName: "s", registryId: "r", management: [wide, narrow], registry: [wide, narrow] }),
          azureRegistry("acr", { resourceGroup: "rg", networks: [wide, narrow] }),
        ],
      }),
    );
    expect(summary(findings)).toEqual(["warning RF2004 network:narrow rules.0.cidr"]);
  });

  // BUG (src/ir/build-networks.ts, NetworkTable#lookup): a network referenced by name resolves
  // against every network the table has seen so far, including networks used by value in an
  // earlier registry, so whether "qa" is an unknown network depends on the order of `registries`.
  // PolicyDefinition.networks documents that by-name references need an entry there.
  it("resolves network names independently of the order of registries", () => {
    const qa = network("qa", rules("192.0.1.0/24"));
    const byValue = ovhRegistry("mpr", { serviceName: "s", registryId: "r", management: [qa], registry: "open" });
    const byName = azureRegistry("acr", { resourceGroup: "rg", networks: ["qa"] });
    const valueFirst = build(policy({ registries: [byValue, byName] }));
    const nameFirst = build(policy({ registries: [byName, byValue] }));
    expect(summary(valueFirst.findings)).toEqual(summary(nameFirst.findings));
  });
});

describe("buildProgram IR", () => {
  it("fills in the defaults", () => {
    const robot = credential("robot", { server: "registry.myco.com", username: fromEnv("U"), password: fromFile("../secrets/robot") });
    const { program, findings } = build(
      policy({
        proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["quay.io", { registry: "docker.io" }, { registry: "ghcr.io", project: "gh" }] }),
        admission: {},
        registries: [
          ovhRegistry("mpr", { serviceName: "s", registryId: "r", management: "open", registry: [] }),
          azureRegistry("acr", { resourceGroup: "rg" }),
        ],
        credentials: [
          robot,
          credential("external", {
            server: "harbor.myco.com",
            delivery: externalSecret({ store: { kind: "ClusterSecretStore", name: "vault" }, remoteRef: { key: "registries/robot" } }),
          }),
        ],
      }),
    );
    expect(findings).toEqual([]);
    const [node] = program.policies;
    expect(node?.admission).toMatchObject({
      mode: "Enforce",
      failurePolicy: "Fail",
      timeoutSeconds: 10,
      excludeNamespaces: [],
      allow: [{ kind: "allowed-registry", host: "harbor.myco.com", pathPrefix: null }],
    });
    expect(node?.proxyCache).toMatchObject({ dockerHubLibraryPrefix: false, pullSecret: null });
    expect(node?.proxyCache?.upstreams.map(({ registry, project, aliases }) => ({ registry, project, aliases }))).toEqual([
      { registry: "docker.io", project: "docker.io", aliases: ["index.docker.io", "registry-1.docker.io"] },
      { registry: "ghcr.io", project: "gh", aliases: [] },
      { registry: "quay.io", project: "quay.io", aliases: [] },
    ]);
    expect(node?.registries).toMatchObject([
      { kind: "azure-registry", name: "acr", subscription: null, publicAccess: "selected-networks", rules: [] },
      {
        kind: "ovh-registry",
        name: "mpr",
        endpoint: null,
        management: { kind: "ovh-access", open: true, rules: [] },
        registry: { kind: "ovh-access", open: false, rules: [] },
      },
    ]);
    expect(node?.credentials).toMatchObject([
      {
        name: "external",
        kymaSelector: null,
        readOnly: false,
        delivery: { kind: "external-secret", namespace: null, remoteKey: "registries/robot", usernameProperty: "username", passwordProperty: "password", refreshInterval: "1h" },
      },
      {
        name: "robot",
        kymaSelector: null,
        readOnly: false,
        delivery: {
          kind: "kubernetes-secret",
          namespace: null,
          username: { kind: "env", variable: "U" },
          // Relative to the policy's directory, policies/ under cwd /repo.
          // Relative to the file that calls fromFile (policies/shared/), not to the policy.
          password: { kind: "file", path: "/repo/policies/secrets/robot" },
        },
      },
    ]);
  });

  it("keeps explicit values", () => {
    const { program } = build(
      policy({
        admission: { mode: "Audit", failurePolicy: "Ignore", timeoutSeconds: 5, allow: ["registry.myco.com:5000/team"], excludeNamespaces: ["kube-system", "a", "kube-system"] },
        registries: [ovhRegistry("mpr", { serviceName: "s", registryId: "r", endpoint: "ovh-ca", management: "open", registry: "open" })],
        credentials: [credential("robot", { server: "r.io", username: fromEnv("U"), password: fromEnv("P"), kymaSelector: "kyma", readOnly: true })],
      }),
    );
    const [node] = program.policies;
    expect(node?.admission).toMatchObject({
      mode: "Audit",
      failurePolicy: "Ignore",
      timeoutSeconds: 5,
      excludeNamespaces: ["a", "kube-system"],
      allow: [{ host: "registry.myco.com:5000", pathPrefix: "team" }],
    });
    expect(node?.registries[0]).toMatchObject({ endpoint: "ovh-ca" });
    expect(node?.credentials[0]).toMatchObject({ kymaSelector: "kyma", readOnly: true, delivery: { namespace: "kcp-system" } });
  });

  it("Kyma is opt-in: a Kyma credential lands in kcp-system unless told otherwise, and warns elsewhere (RF7006)", () => {
    const kyma = (delivery?: ReturnType<typeof kubernetesSecret>) =>
      credential("klm", { server: "r.io", username: fromEnv("U"), password: fromEnv("P"), kymaSelector: "klm", readOnly: true, ...(delivery === undefined ? {} : { delivery }) });
    const plain = build(policy({ credentials: [credential("plain", { server: "r.io", username: fromEnv("U"), password: fromEnv("P"), readOnly: true })] }));
    expect(plain.program.policies[0]?.credentials[0]).toMatchObject({ kymaSelector: null, delivery: { namespace: null } });
    const defaulted = build(policy({ credentials: [kyma()] }));
    expect(defaulted.program.policies[0]?.credentials[0]).toMatchObject({ kymaSelector: "klm", delivery: { namespace: "kcp-system" } });
    expect(defaulted.findings).toEqual([]);
    const elsewhere = build(policy({ credentials: [kyma(kubernetesSecret({ namespace: "default" }))] }));
    expect(elsewhere.findings).toEqual([
      expect.objectContaining({ code: "RF7006", severity: "warning", message: expect.stringContaining('delivered to namespace "default"'), at: expect.objectContaining({ path: ["delivery", "namespace"] }) }),
    ]);
  });

  it("resolves networks into rules, in reference order, and lists the policy's networks by name", () => {
    const production = network("production", rules("192.0.2.0/24", "203.0.113.7"));
    const qa = network("qa", rules("192.0.1.0/24"));
    const { program } = build(
      policy({
        networks: [qa],
        registries: [azureRegistry("acr", { resourceGroup: "rg", networks: ["qa", production] })],
        containerHosts: [containerHost("vch", { whitelist: ["*.myco.com", production] })],
      }),
    );
    const [node] = program.policies;
    expect(node?.networks.map((n) => n.name)).toEqual(["production", "qa"]);
    expect(node?.registries[0]).toMatchObject({
      rules: [
        { kind: "ip-rule", written: "192.0.1.0/24", network: "qa", block: { cidr: "192.0.1.0/24" } },
        { written: "192.0.2.0/24", network: "production" },
        { written: "203.0.113.7", network: "production", block: { cidr: "203.0.113.7/32", bare: true } },
      ],
    });
    expect(node?.containerHosts[0]?.whitelist.map(({ address, network }) => ({ address, network }))).toEqual([
      { address: "*.myco.com", network: null },
      { address: "192.0.2.0/24", network: "production" },
      { address: "203.0.113.7/32", network: "production" },
    ]);
  });

  it("sorts policies by name, and their registries by kind then name, whatever the input order", () => {
    const make = () => [
      definePolicy({ name: "zeta" }),
      definePolicy({
        name: "alpha",
        registries: [
          ovhRegistry("b", { serviceName: "s", registryId: "r", management: "open", registry: "open" }),
          azureRegistry("z", { resourceGroup: "rg" }),
          azureRegistry("a", { resourceGroup: "rg" }),
        ],
      }),
      definePolicy({ name: "mid" }),
    ];
    const forward = build(...make()).program;
    const backward = build(...make().reverse()).program;
    expect(forward.policies.map((node) => node.name)).toEqual(["alpha", "mid", "zeta"]);
    expect(forward.policies[0]?.registries.map((node) => `${node.kind}/${node.name}`)).toEqual(["azure-registry/a", "azure-registry/z", "ovh-registry/b"]);
    expect(backward).toEqual(forward);
  });

  it("returns a deeply frozen IR", () => {
    const production = network("production", rules("192.0.2.0/24"));
    const robot = secretCredential("robot");
    const { program } = build(
      policy({
        networks: [production],
        proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["docker.io"], pullSecret: robot }),
        admission: { allow: ["registry.myco.com"], excludeNamespaces: ["kube-system"] },
        registries: [
          azureRegistry("acr", { resourceGroup: "rg", networks: [production] }),
          ovhRegistry("mpr", { serviceName: "s", registryId: "r", management: ["production"], registry: "open" }),
        ],
        containerHosts: [containerHost("vch", { whitelist: [production], registryCas: ["/ca.pem", { file: "/b.pem", registry: "r.io" }] })],
        credentials: [robot],
      }),
      definePolicy({ name: "other", credentials: [credential("ext", { server: "r.io", delivery: externalSecret({ store: { kind: "SecretStore", name: "s" }, remoteRef: { key: "k" } }) })] }),
    );
    const unfrozen: string[] = [];
    const visit = (value: unknown, where: string): void => {
      if (typeof value !== "object" || value === null) return;
      if (!Object.isFrozen(value)) unfrozen.push(where);
      for (const [key, child] of Object.entries(value)) visit(child, `${where}.${key}`);
    };
    visit(program, "program");
    expect(unfrozen).toEqual([]);
    const first = program.policies[0];
    expect(() => {
      (program.policies as unknown as unknown[]).push(first);
    }).toThrow(TypeError);
    expect(() => {
      (first?.registries[0]?.source.path as unknown as unknown[]).push("x");
    }).toThrow(TypeError);
  });
});
