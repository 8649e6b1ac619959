import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { PolicyNode } from "../../../src/ir/model.ts";
import { explainImage } from "../../../src/targets/kyverno/explain-image.ts";
import { repoRoot, runCli } from "../../helpers/run-cli.ts";
import { admitCel } from "./cel-engine.ts";
import { compileKyverno, kyvernoDocuments, podWith } from "./compile-example.ts";
import { admit, type AdmissionOutcome, type AdmissionRequest } from "./kyverno-engine.ts";
import { imagesOf } from "./table-check.ts";

/**
 * The fixture `kyverno-two-policies`: policy "proxy" (harbor.myco.com fronting Docker Hub and
 * quay.io, allowing registry.myco.com) and policy "team" (allowing harbor.myco.com and only
 * registry.myco.com/team, not in namespace "ci"). In the cluster both apply to every Pod: the one
 * rewrite, then both allowlists. `denier` is the policy that decides a denial.
 */
const fixture = "test/fixtures/kyverno-two-policies";
const rows: readonly { namespace: string; image: string; rewritten: string; denier: string | null }[] = [
  { namespace: "default", image: "nginx", rewritten: "harbor.myco.com/docker.io/nginx", denier: null },
  { namespace: "default", image: "quay.io/prometheus/node-exporter:v1.8.2", rewritten: "harbor.myco.com/quay.io/prometheus/node-exporter:v1.8.2", denier: null },
  { namespace: "default", image: "registry.myco.com/team/app:1", rewritten: "registry.myco.com/team/app:1", denier: null },
  { namespace: "default", image: "registry.myco.com/other/app:1", rewritten: "registry.myco.com/other/app:1", denier: "team" },
  { namespace: "default", image: "gcr.io/distroless/static", rewritten: "gcr.io/distroless/static", denier: "proxy" },
  { namespace: "default", image: "Nginx", rewritten: "Nginx", denier: "proxy" },
  { namespace: "ci", image: "registry.myco.com/other/app:1", rewritten: "registry.myco.com/other/app:1", denier: null },
  { namespace: "ci", image: "nginx", rewritten: "harbor.myco.com/docker.io/nginx", denier: null },
  { namespace: "ci", image: "gcr.io/distroless/static", rewritten: "gcr.io/distroless/static", denier: "proxy" },
  { namespace: "kube-system", image: "gcr.io/distroless/static", rewritten: "gcr.io/distroless/static", denier: null },
];

let policies: readonly PolicyNode[];
const engines: Record<"ClusterPolicy" | "CEL", (request: AdmissionRequest) => AdmissionOutcome> = {} as never;

beforeAll(async () => {
  const files = [`${fixture}/proxy.policy.ts`, `${fixture}/team.policy.ts`];
  const cluster = await compileKyverno(files, "ClusterPolicy");
  const cel = await compileKyverno(files, "CEL");
  policies = cluster.program.policies;
  engines.ClusterPolicy = (request) => admit(kyvernoDocuments(cluster), request);
  engines.CEL = (request) => admitCel(kyvernoDocuments(cel), request);
});

describe("two policies applied together, three ways", () => {
  it.each(rows)("explain: $image in $namespace", ({ namespace, image, rewritten, denier }) => {
    const decision = explainImage(policies, image, namespace);
    expect(decision).toMatchObject({ rewritten, admitted: denier === null });
    if (denier !== null) expect(decision.policy).toBe(denier);
  });

  describe.each(["ClusterPolicy", "CEL"] as const)("%s", (type) => {
    it.each(rows)("$image in $namespace", ({ namespace, image, rewritten, denier }) => {
      const outcome = engines[type]({ operation: "CREATE", namespace, object: podWith(image) });
      expect(imagesOf(outcome)).toEqual([rewritten, rewritten, rewritten]);
      expect(outcome.admitted).toBe(denier === null);
      if (denier !== null) expect(outcome.violations.map((violation) => violation.policy)).toContain(`${denier}-allowlist`);
    });
  });
});

describe("regfence explain with two policies", () => {
  const cwd = path.join(repoRoot, fixture);

  it("prints one verdict per image, each policy's part on its own line", async () => {
    const { status, stdout } = await runCli(["explain", "--no-typecheck", "nginx", "registry.myco.com/other/app:1"], { cwd });
    expect(status).toBe(1);
    expect(stdout).toBe(
      [
        "admitted  nginx → harbor.myco.com/docker.io/nginx",
        "          policy proxy: rewritten by rule rewrite-images: docker.io (implied) is proxied by project docker.io; admitted by rule allowed-registries: on harbor.myco.com/",
        "          policy team: admitted by rule allowed-registries: on harbor.myco.com/",
        "          served by Harbor harbor.myco.com: project docker.io, registry endpoint docker.io (docker-hub https://hub.docker.com)",
        "denied    registry.myco.com/other/app:1",
        "          policy proxy: registry.myco.com is not an approved upstream: not rewritten; admitted by rule allowed-registries: on registry.myco.com/",
        "          policy team: denied by rule allowed-registries: not on an allowed registry (harbor.myco.com/, registry.myco.com/team/)",
        "",
      ].join("\n"),
    );
  });

  it("--format json: one row per image, naming the deciding policy, the reason naming each policy's part", async () => {
    const { status, stdout } = await runCli(["explain", "--no-typecheck", "--format", "json", "--namespace", "ci", "registry.myco.com/other/app:1", "gcr.io/x"], { cwd });
    expect(status).toBe(1);
    expect(JSON.parse(stdout)).toEqual([
      {
        policy: "proxy",
        image: "registry.myco.com/other/app:1",
        rewritten: "registry.myco.com/other/app:1",
        admitted: true,
        reason: 'policy proxy: registry.myco.com is not an approved upstream: not rewritten; admitted by rule allowed-registries: on registry.myco.com/; policy team: namespace "ci" is excluded: neither rewritten nor checked',
      },
      {
        policy: "proxy",
        image: "gcr.io/x",
        rewritten: "gcr.io/x",
        admitted: false,
        reason: 'policy proxy: gcr.io is not an approved upstream: not rewritten; denied by rule allowed-registries: not on an allowed registry (harbor.myco.com/, registry.myco.com/); policy team: namespace "ci" is excluded: neither rewritten nor checked',
      },
    ]);
  });
});
