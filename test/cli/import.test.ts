/**
 * `regfence import` as an operator adopting regfence runs it: saved state (and, for Azure, the
 * stand-in az), a generated policy that type-checks, and the round trip the issue asks for:
 * import → compile → plan against the same state reports no drift.
 */
import { existsSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProject, removeProjects, type TempProject } from "../helpers/run-cli.ts";
import { Sandbox, serviceState } from "../targets/azure/harness.ts";
import { startFakeHarborApi } from "../targets/harbor/fake-harbor-api.ts";
import { harborSwaggerPath } from "../targets/harbor/harbor-api-description.ts";

const serviceName = "0123456789abcdef0123456789abcdef";
const registryId = "3f8e2d4c-9b1a-4c6e-8d2f-7a5b3c1e9f04";
const restriction = (ipBlock: string, description: string) => ({ ipBlock, description, createdAt: "2024-02-01T15:15:06Z", updatedAt: "2024-02-01T15:15:06Z" });
const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** State saved from OVH and Azure: a block used by both, others by one, a bare address, an empty (open) list. */
const saved = {
  "state/ovh/mpr-prod/details.json": json({ id: registryId, name: "mpr-prod", projectID: serviceName, region: "GRA", status: "READY" }),
  "state/ovh/mpr-prod/management.json": json([restriction("192.0.2.0/24", "production environment"), restriction("198.51.100.7", "office")]),
  "state/ovh/mpr-prod/registry.json": json([]),
  "state/azure/myContainerRegistry.json": json({
    id: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myResourceGroup/providers/Microsoft.ContainerRegistry/registries/myContainerRegistry`,
    name: "myContainerRegistry",
    resourceGroup: "myResourceGroup",
    sku: { name: "Premium" },
    publicNetworkAccess: "Enabled",
    networkRuleBypassOptions: "None",
    networkRuleSet: { defaultAction: "Deny", ipRules: [{ action: "Allow", ipAddressOrRange: "192.0.2.0/24" }, { action: "Allow", ipAddressOrRange: "203.0.113.0/24" }] },
  }),
};

let project: TempProject;
beforeAll(async () => {
  project = await createProject({ ".regfencerc.json": json({ policies: ["policies/**/*.policy.ts"] }), ...saved });
});
afterAll(removeProjects);

describe("regfence import", () => {
  it("writes a policy and shared networks that compile back to what was read (round trip)", async () => {
    const imported = await project.run(["import", "ovh,azure", "--from", "state", "--out", "policies/adopted.policy.ts"]);
    expect(imported.stderr).toBe("");
    expect(imported.stdout).toBe(
      "imported ovh, azure into policies/networks.ts and policies/adopted.policy.ts (3 networks)\n  checked: it type-checks, compiles, and plans in sync with the state saved in state\n",
    );
    expect(imported.status).toBe(0);
    const policy = await readFile(project.path("policies/adopted.policy.ts"), "utf8");
    const networks = await readFile(project.path("policies/networks.ts"), "utf8");
    // The block both registries use is defined once, in networks.ts, with OVH's description.
    expect(networks).toContain('export const productionEnvironment = network("production-environment", [{ cidr: "192.0.2.0/24", description: "production environment" }]);');
    expect(policy).toContain('import { productionEnvironment } from "./networks.ts";');
    expect(policy).toContain('const office = network("office", [{ cidr: "198.51.100.7/32", description: "office" }]);');
    expect(policy).toContain('management: [productionEnvironment, office],\n      registry: "open",');
    expect(policy).toContain('networks: [productionEnvironment, myContainerRegistryAllowed],\n      trustedServices: false,');

    const compiled = await project.run(["compile"]);
    expect(compiled.stderr).toBe("");
    expect(compiled.status).toBe(0);
    const plan = await project.run(["plan", "--from", "state"]);
    expect(plan.stdout).toContain("plan: in sync: 2 compared, each matches the policies\n");
    expect(plan.status).toBe(0);
  });

  it("never overwrites a policy without --force", async () => {
    const again = await project.run(["import", "ovh,azure", "--from", "state", "--out", "policies/adopted.policy.ts"]);
    expect(again.stderr).toBe("regfence: policies/networks.ts and policies/adopted.policy.ts exist: pass --force to overwrite, or --out another file\nRun `regfence import --help` for usage.\n");
    expect(again.status).toBe(2);
  });

  it("writes nothing when a saved file is not what it should be, and says where", async () => {
    const broken = await createProject({ ...saved, "state/ovh/mpr-prod/management.json": '[\n  { "ipBlock": 7 }\n]\n' });
    const result = await broken.run(["import", "ovh", "--from", "state"]);
    expect(result.stderr).toContain("state/ovh/mpr-prod/management.json:2:16 error RF1101 [0].ipBlock: expected string, received number");
    expect(result.stderr).toContain("nothing written: the state could not be read\n");
    expect(result.status).toBe(1);
    expect(await readdir(broken.path("."))).not.toContain("policies");
  });

  it("imports Azure live through az, naming what a policy cannot express", async () => {
    const sandbox = await Sandbox.create();
    try {
      const environment = sandbox.azEnvironment(serviceState({ ipRules: ["192.0.2.0/24", "198.51.100.7"], virtualNetworkRules: ["/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"] }));
      const live = await createProject({});
      const result = await live.run(["import", "azure"], { ...environment, PATH: `${environment["PATH"] ?? ""}${path.delimiter}${path.dirname(process.execPath)}` });
      expect(result.stderr).toContain("warning RF1102 virtual network rule /subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s of myContainerRegistry is left out");
      expect(result.stdout).toContain("imported azure into policies/imported-azure.policy.ts (1 network)\n");
      expect(result.status).toBe(0);
      expect(sandbox.calls().map((call) => call.slice(0, 3).join(" "))).toContain("acr list --only-show-errors");
      const policy = await readFile(live.path("policies/imported-azure.policy.ts"), "utf8");
      expect(policy).toContain('azureRegistry("myContainerRegistry", {\n      resourceGroup: "myResourceGroup",');
    } finally {
      sandbox.dispose();
    }
  });

  it("imports a VCH's registries, leaving the whitelisted insecure registry to vic-machine, and round-trips", async () => {
    const vch = await createProject({
      "state/vic/vch1.txt":
        "--target=vcenter.example.com/dc1 --name=vch1 --compute-resource=/dc1/host/cluster/Resources --insecure-registry=192.168.100.207 " +
        "--whitelist-registry=10.2.2.0/24 --whitelist-registry=192.168.100.207 --whitelist-registry=*.mycompany.com\n",
    });
    const imported = await vch.run(["import", "vic", "--from", "state"]);
    expect(imported.stderr).toContain("warning RF1102 vic-machine does not print a VCH's registry CAs back");
    expect(imported.stdout).toContain("checked: it type-checks, compiles, and plans in sync with the state saved in state\n");
    const policy = await readFile(vch.path("policies/imported-vic.policy.ts"), "utf8");
    expect(policy).toContain('containerHost("vch1", {\n      whitelist: ["10.2.2.0/24", "*.mycompany.com"],\n      insecureRegistries: ["192.168.100.207"],\n    }),');
    expect((await vch.run(["compile"])).status).toBe(0);
    expect((await vch.run(["plan", "--from", "state"])).status).toBe(0);
  });

  it("imports a Harbor proxy cache: short upstreams where regfence would choose the same, credentials as variables", async () => {
    const endpoint = (id: number, name: string, type: string, url: string, extra: Record<string, unknown> = {}) => ({ id, name, type, url, insecure: false, description: `regfence: ${name} behind the proxy cache harbor.myco.com`, ...extra });
    const project = (id: number, name: string, registryId: number) => ({ project_id: id, name, registry_id: registryId, repo_count: 0, metadata: { public: "true", proxy_speed_kb: "10240" } });
    const harbor = await createProject({
      "state/harbor/harbor.myco.com/systeminfo.json": json({ harbor_version: "v2.15.1-6b4f3c0e" }),
      "state/harbor/harbor.myco.com/registries.json": json([
        endpoint(1, "docker.io", "docker-hub", "https://hub.docker.com"),
        endpoint(2, "ghcr.io", "github-ghcr", "https://ghcr.io", { credential: { type: "basic", access_key: "octocat", access_secret: "*****" } }),
      ]),
      "state/harbor/harbor.myco.com/projects.json": json([{ project_id: 1, name: "library", metadata: { public: "true" } }, project(2, "docker.io", 1), project(3, "github", 2)]),
    });
    const imported = await harbor.run(["import", "harbor", "--from", "state", "--out", "policies/proxy.policy.ts"]);
    expect(imported.stdout).toContain("  set before compile --secrets or apply: GHCR_IO_PASSWORD, GHCR_IO_USERNAME\n");
    expect(imported.stdout).toContain("checked: it type-checks, compiles, and plans in sync with the state saved in state\n");
    expect(imported.status).toBe(0);
    const policy = await readFile(harbor.path("policies/proxy.policy.ts"), "utf8");
    expect(policy).not.toContain("octocat");
    expect(policy).toContain('harborVersion: "2.15.1"');
    expect(policy).toContain('"docker.io",');
    expect(policy).toContain('        registry: "ghcr.io",\n        project: "github",\n        credentials: {\n          username: fromEnv("GHCR_IO_USERNAME"),\n          password: fromEnv("GHCR_IO_PASSWORD"),\n        },');
    expect(policy).toContain("projects: { public: true, proxySpeedKb: 10240 },");
    expect((await harbor.run(["compile"])).status).toBe(0);
    // The policy's proxy cache also makes Kyverno policies, whose state was not saved: plan Harbor alone.
    expect((await harbor.run(["plan", "--target", "harbor", "--from", "state"])).status).toBe(0);
  });

  it.each([
    [["import"], "name what to import"],
    [["import", "nodes"], "cannot import nodes: import reads"],
    [["import", "ovh", "--from", "nowhere"], "--from nowhere: no such directory"],
    [["import", "ovh", "--out", "policies/x.ts"], "a policy file's name ends in .policy.ts"],
  ])("refuses %j with exit 2", async (args, message) => {
    const result = await project.run(args);
    expect(result.stderr).toContain(message);
    expect(result.status).toBe(2);
  });
});

describe("regfence import credentials", () => {
  it("adopts an ExternalSecret round-trip, names a plain Secret without reading its data", async () => {
    const secretValue = "eyJhdXRocyI6eyJyZWdpc3RyeS5teWNvLmNvbSI6eyJhdXRoIjoiZEc5d0xYTmxZM0psZEE9PSJ9fX0=";
    // The ExternalSecret as regfence writes it for a Kyma credential, and the Secret ESO made from it.
    const source = await createProject({
      "policies/kyma.policy.ts": `import { credential, definePolicy, externalSecret } from "regfence";

export default definePolicy({
  name: "kyma",
  credentials: [
    credential("harbor-robot", {
      server: "harbor.myco.com",
      kymaSelector: "harbor-robot",
      delivery: externalSecret({ store: { kind: "ClusterSecretStore", name: "vault" }, remoteRef: { key: "registries/harbor", passwordProperty: "token" } }),
    }),
  ],
});
`,
    });
    expect((await source.run(["compile", "--target", "credentials"])).status).toBe(0);
    const externalSecret = await readFile(source.path("out/kubernetes/external-secrets/harbor-robot.yaml"), "utf8");
    const made = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: "harbor-robot",
        namespace: "kcp-system",
        labels: { "operator.kyma-project.io/managed-by": "lifecycle-manager", "operator.kyma-project.io/oci-registry-cred": "harbor-robot" },
        ownerReferences: [{ apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", name: "harbor-robot" }],
      },
      type: "kubernetes.io/dockerconfigjson",
      data: { ".dockerconfigjson": secretValue },
    };
    const handMade = { apiVersion: "v1", kind: "Secret", metadata: { name: "legacy-pull", namespace: "apps" }, type: "kubernetes.io/dockerconfigjson", data: { ".dockerconfigjson": secretValue } };
    const adopting = await createProject({
      "state/credentials/external-secret.yaml": externalSecret,
      "state/credentials/secrets.yaml": `${JSON.stringify({ apiVersion: "v1", kind: "List", items: [made, handMade] }, null, 2)}\n`,
    });
    const imported = await adopting.run(["import", "credentials", "--from", "state"]);
    expect(imported.stderr).toContain(
      'warning RF1102 Secret legacy-pull: its registry is inside its data, which import never reads: declare credential("legacy-pull", { server: "<its registry>", username: fromEnv("LEGACY_PULL_USERNAME"), password: fromEnv("LEGACY_PULL_PASSWORD") }) yourself',
    );
    expect(imported.stdout).toContain("checked: it type-checks, compiles, and plans in sync with the state saved in state\n");
    expect(imported.status).toBe(0);
    const policy = await readFile(adopting.path("policies/imported-credentials.policy.ts"), "utf8");
    expect(policy).toContain('server: "harbor.myco.com"');
    expect(policy).toContain('remoteRef: { key: "registries/harbor", passwordProperty: "token" }');
    expect(policy).toContain('kymaSelector: "harbor-robot"');
    expect(`${imported.stdout}${imported.stderr}${policy}`).not.toContain(secretValue);
    expect((await adopting.run(["compile"])).status).toBe(0);
    const plan = await adopting.run(["plan", "--target", "credentials", "--from", "state", "--format", "json"]);
    expect(plan.status).toBe(0);
    expect(plan.stdout).not.toContain(secretValue);
  });
});

describe("regfence import ovh, live", () => {
  it("walks every project's registries through the signed API and round-trips against it", async () => {
    const { startFakeOvhApi } = await import("../targets/ovh/fake-ovh-api.ts");
    const key = `${serviceName}/${registryId}`;
    const server = await startFakeOvhApi({
      applicationKey: "ak",
      applicationSecret: "as",
      consumerKey: "ck",
      registries: { [key]: { management: [{ ipBlock: "192.0.2.0/24", description: "production environment" }], registry: [] } },
      names: { [key]: "mpr-prod" },
    });
    try {
      const env = { OVH_APPLICATION_KEY: "ak", OVH_APPLICATION_SECRET: "as", OVH_CONSUMER_KEY: "ck", OVH_ENDPOINT: server.base };
      const live = await createProject({});
      const imported = await live.run(["import", "ovh"], env);
      expect(imported.stderr).toBe("");
      expect(imported.stdout).toContain("checked: it type-checks, compiles, and plans in sync with their live state\n");
      expect(imported.status).toBe(0);
      expect(server.requests.filter(({ method }) => method !== "GET")).toEqual([]);
      const policy = await readFile(live.path("policies/imported-ovh.policy.ts"), "utf8");
      expect(policy).toContain(`ovhRegistry("mpr-prod", {\n      serviceName: "${serviceName}",\n      registryId: "${registryId}",\n      management: [productionEnvironment],\n      registry: "open",`);
      const missing = await live.run(["import", "ovh", "--force"], { ...env, OVH_CONSUMER_KEY: "" });
      expect(missing.stderr).toContain("OVH_CONSUMER_KEY");
      expect(missing.status).toBe(2);
    } finally {
      await server.close();
    }
  });
});

describe("regfence import harbor, live", () => {
  const required = process.env["REGFENCE_REQUIRE_SCHEMAS"] === "1";
  it.runIf(existsSync(harborSwaggerPath) || required)("reads the Harbor at HARBOR_URL and round-trips against it", async () => {
    const description = (registry: string) => `regfence: ${registry} behind the proxy cache harbor.myco.com`;
    const server = await startFakeHarborApi({
      username: "admin",
      password: "Harbor12345",
      registries: [
        { name: "docker.io", type: "docker-hub", url: "https://hub.docker.com", insecure: false, description: description("docker.io") },
        { name: "quay.io", type: "docker-registry", url: "https://quay.io", insecure: false, description: description("quay.io") },
      ],
      projects: [
        { name: "docker.io", registry: "docker.io", metadata: { public: "true" } },
        { name: "quay", registry: "quay.io", metadata: { public: "true" } },
      ],
    });
    try {
      const env = { HARBOR_URL: server.url, HARBOR_PROXY_HOST: "harbor.myco.com", HARBOR_USERNAME: "admin", HARBOR_PASSWORD: "Harbor12345" };
      const live = await createProject({});
      const imported = await live.run(["import", "harbor"], env);
      expect(imported.stderr).toBe("");
      expect(imported.stdout).toContain("checked: it type-checks, compiles, and plans in sync with their live state\n");
      expect(imported.status).toBe(0);
      const policy = await readFile(live.path("policies/imported-harbor.policy.ts"), "utf8");
      expect(policy).toContain(`host: "harbor.myco.com",\n    api: "${server.url}",`);
      expect(policy).toContain('upstreams: ["docker.io", { registry: "quay.io", project: "quay" }],');
      expect(server.requests.filter(({ method }) => method !== "GET")).toEqual([]);
      expect(server.violations).toEqual([]);
      const unset = await live.run(["import", "harbor", "--force"], { ...env, HARBOR_URL: "" });
      expect(unset.stderr).toContain("set HARBOR_URL to the Harbor to import");
      expect(unset.status).toBe(2);
    } finally {
      await server.close();
    }
  });
});
