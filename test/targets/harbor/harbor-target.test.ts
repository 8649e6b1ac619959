/**
 * The Harbor target from the IR: what it refuses (each finding at its field) and what it emits,
 * checked against Harbor's own API description and against the Kyverno rewrite it must serve.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { credential, definePolicy, externalSecret, fromEnv, type HarborProxyCacheOptions, harborProxyCache } from "../../../src/dsl/index.ts";
import type { Anchoring } from "../../../src/ir/anchoring.ts";
import { buildProgram } from "../../../src/ir/build-program.ts";
import type { ProgramNode } from "../../../src/ir/model.ts";
import { TemplateRenderer } from "../../../src/render/template-renderer.ts";
import { harborTarget } from "../../../src/targets/harbor/harbor-target.ts";
import { rewritePlan } from "../../../src/targets/kyverno/rewrite-plan.ts";
import { harborApiDescription, harborSwaggerPath } from "./harbor-api-description.ts";

/** Paths as the IR builder records them (the loader's Anchors would prefix the call's argument index). */
const anchoring: Anchoring = { at: (_root, at) => ({ file: "policies/p.policy.ts", line: 1, column: 1, path: [...(at ?? [])] }) };
const externalRobotCredential = credential("harbor-vault", {
  server: "harbor.myco.com",
  delivery: externalSecret({ store: { kind: "ClusterSecretStore", name: "vault" }, remoteRef: { key: "registries/harbor" } }),
});
const robotCredential = credential("harbor-pull", { server: "harbor.myco.com", username: fromEnv("HARBOR_ROBOT_USER"), password: fromEnv("HARBOR_ROBOT_TOKEN"), readOnly: true });

function program(options: Partial<HarborProxyCacheOptions>): { program: ProgramNode; codes: { code: string; path: readonly (string | number)[] }[] } {
  const value = definePolicy({ name: "p", credentials: [robotCredential, externalRobotCredential], proxyCache: harborProxyCache({ host: "harbor.myco.com", upstreams: ["docker.io"], ...options }) });
  const built = buildProgram([{ file: "policies/p.policy.ts", value, anchors: anchoring }], { cwd: "/repo", projectRoot: "/repo" });
  const findings = [...built.findings, ...harborTarget.validate(built.program)];
  return { program: built.program, codes: findings.map((finding) => ({ code: finding.code, path: finding.at.path })) };
}

describe("harbor: what a policy may ask of Harbor", () => {
  it.each([
    ["the worked example's four upstreams on 2.15.1", { upstreams: ["gcr.io", "ghcr.io", "quay.io", "docker.io"] }, []],
    ["an upstream regfence does not know, with no provider", { upstreams: ["registry.myco.com"] }, [{ code: "RF8001", path: ["upstreams", 0] }]],
    ["the same with a provider", { upstreams: [{ registry: "registry.myco.com", provider: "docker-registry" }] }, []],
    ["quay as quay on 2.14", { harborVersion: "2.14", upstreams: [{ registry: "quay.io", provider: "quay" }] }, [{ code: "RF8002", path: ["upstreams", 0, "provider"] }]],
    ["ghcr on 2.5", { harborVersion: "2.5", dockerHubLibraryPrefix: true, upstreams: ["ghcr.io"] }, [{ code: "RF8002", path: ["upstreams", 0] }]],
    ["a version that is not one", { harborVersion: "latest" }, [{ code: "RF8003", path: [0, "harborVersion"] }]],
    ["Docker Hub on 2.6 without the prefix", { harborVersion: "2.6" }, [{ code: "RF8004", path: [0, "harborVersion"] }]],
    ["Docker Hub on 2.6 with it", { harborVersion: "2.6", dockerHubLibraryPrefix: true }, []],
    ["Docker Hub as docker-registry without the prefix", { upstreams: [{ registry: "docker.io", provider: "docker-registry" }] }, [{ code: "RF8004", path: ["upstreams", 0, "provider"] }]],
    ["proxySpeedKb on 2.11", { harborVersion: "2.11", projects: { proxySpeedKb: 1024 } }, [{ code: "RF8005", path: [0, "projects", "proxySpeedKb"] }]],
    ["localOnNotFound on 2.15.0", { harborVersion: "2.15.0", upstreams: ["ghcr.io"], projects: { localOnNotFound: true } }, [{ code: "RF8005", path: [0, "projects", "localOnNotFound"] }]],
    ["Docker Hub on 2.15.0", { harborVersion: "2.15.0" }, [{ code: "RF8006", path: [0, "harborVersion"] }]],
    ["an http API to another machine", { api: "http://harbor.myco.com" }, [{ code: "RF8007", path: [0, "api"] }]],
    ["an http API to this one", { api: "http://127.0.0.1:8080" }, []],
    ["a robot name Harbor refuses", { robot: { name: "Kube_Pull!", credential: robotCredential } }, [{ code: "RF8008", path: [0, "robot", "name"] }]],
    [
      "a robot whose credential comes from an external store",
      { robot: { name: "pull", credential: externalRobotCredential } },
      [{ code: "RF8011", path: [0, "robot", "credential"] }],
    ],
    ["a robot whose credential is not the policy's", { robot: { name: "pull", credential: credential("other", { server: "harbor.myco.com", username: fromEnv("U"), password: fromEnv("P") }) } }, [{ code: "RF2103", path: ["robot", "credential"] }]],
    ["a project name Harbor refuses", { upstreams: [{ registry: "ghcr.io", project: "GHCR" }] }, [{ code: "RF2105", path: ["upstreams", 0, "project"] }]],
    ["two upstreams in one project", { upstreams: [{ registry: "ghcr.io", project: "cache" }, { registry: "quay.io", project: "cache" }] }, [{ code: "RF2109", path: ["upstreams", 1, "project"] }]],
  ] as const)("%s", (_, options, expected) => {
    expect(program(options as Partial<HarborProxyCacheOptions>).codes).toEqual(expected);
  });
});

describe("harbor: what it emits", () => {
  const emitted = async (options: Partial<HarborProxyCacheOptions>) => {
    const { program: built, codes } = program(options);
    expect(codes).toEqual([]);
    const emission = await harborTarget.emit(built, { render: new TemplateRenderer(), options: undefined, secrets: false });
    return { built, files: new Map(emission.artifacts.map((artifact) => [artifact.path, JSON.parse(artifact.content) as unknown])) };
  };
  const full: Partial<HarborProxyCacheOptions> = {
    upstreams: ["docker.io", "quay.io", { registry: "ghcr.io", project: "github", credentials: { username: fromEnv("GHCR_USER"), password: fromEnv("GHCR_TOKEN") } }],
    projects: { public: true, proxySpeedKb: 10240, localOnNotFound: true },
    robot: { name: "kube-pull", credential: robotCredential },
  };

  it("a project for each project the Kyverno rewrite sends images to, and no other", async () => {
    const { built, files } = await emitted(full);
    const proxy = built.policies[0]?.proxyCache;
    if (proxy === undefined || proxy === null) throw new Error("no proxy cache");
    const rewriteProjects = rewritePlan(proxy).steps.map((step) => step.prefix.slice(`${proxy.host}/`.length).replace(/\/(library\/)?$/, "")).sort();
    const projects = (files.get("harbor/harbor.myco.com/projects.json") as { project_name: string }[]).map((project) => project.project_name).sort();
    expect(projects).toEqual([...new Set(rewriteProjects)].sort());
    expect(projects).toEqual(["docker.io", "github", "quay.io"]);
  });

  it("registry endpoints by kind, Quay as docker-registry on 2.15, credentials by origin only", async () => {
    const { files } = await emitted(full);
    expect(files.get("harbor/harbor.myco.com/registries.json")).toEqual([
      { name: "docker.io", type: "docker-hub", url: "https://hub.docker.com", insecure: false, description: "regfence: docker.io behind the proxy cache harbor.myco.com" },
      {
        name: "ghcr.io",
        type: "github-ghcr",
        url: "https://ghcr.io",
        insecure: false,
        description: "regfence: ghcr.io behind the proxy cache harbor.myco.com",
        credential: { type: "basic", access_key_from: "environment variable GHCR_USER", access_secret_from: "environment variable GHCR_TOKEN" },
      },
      { name: "quay.io", type: "docker-registry", url: "https://quay.io", insecure: false, description: "regfence: quay.io behind the proxy cache harbor.myco.com" },
    ]);
    expect((files.get("harbor/harbor.myco.com/projects.json") as unknown[])[0]).toEqual({
      project_name: "docker.io",
      registry: "docker.io",
      metadata: { public: "true", proxy_speed_kb: "10240", proxy_cache_local_on_not_found: "true" },
    });
    expect(files.get("harbor/harbor.myco.com/robot.json")).toMatchObject({ name: "kube-pull", level: "system", duration: -1, feeds: "harbor-pull" });
  });

  const required = process.env["REGFENCE_REQUIRE_SCHEMAS"] === "1";
  it.runIf(existsSync(harborSwaggerPath) || required)("every call of the plan is one Harbor's API description allows, with a valid body", async () => {
    const description = harborApiDescription();
    const { files } = await emitted(full);
    const calls = (files.get("harbor/harbor.myco.com/plan.json") as { calls: { method: string; path: string; body?: unknown }[] }).calls;
    expect(calls.map((call) => `${call.method} ${call.path}`)).toEqual([
      "GET /systeminfo",
      "POST /registries",
      "POST /registries",
      "POST /registries",
      "POST /projects",
      "POST /projects",
      "POST /projects",
      "POST /robots",
      "PATCH /robots/{id}",
    ]);
    for (const call of calls) {
      const url = new URL(`${description.basePath}${call.path.replace("{id}", "7")}`, "https://harbor.myco.com");
      expect(description.check(call.method, url, {}, call.body), `${call.method} ${call.path}`).toBeUndefined();
    }
  });
});
