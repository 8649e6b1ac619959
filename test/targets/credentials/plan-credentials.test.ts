/**
 * `regfence plan` for credentials: pull Secrets compared by name, namespace, type and labels only
 * (their data is never read: dropped from saved files, never asked of kubectl), and ExternalSecrets
 * field by field.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { credential, definePolicy, externalSecret, fromEnv } from "../../../src/dsl/index.ts";
import { shellQuote } from "../../../src/render/quote.ts";
import { credentialsState } from "../../../src/targets/credentials/plan-credentials.ts";
import type { DriftReport, StateSource } from "../../../src/targets/target-state.ts";
import { programOf } from "../../helpers/program.ts";

const { program } = programOf(
  definePolicy({
    name: "kyma-credentials",
    credentials: [
      credential("test-operator", { server: "registry.myco.com", username: fromEnv("OCI_USER"), password: fromEnv("OCI_PASSWORD"), kymaSelector: "test-operator", readOnly: true }),
      credential("harbor-robot", { server: "harbor.myco.com", delivery: externalSecret({ store: { kind: "ClusterSecretStore", name: "vault" }, remoteRef: { key: "registries/harbor" }, namespace: "apps" }), readOnly: true }),
    ],
  }),
);

/** A value that must never leave the file it is in. */
const secretValue = "eyJhdXRocyI6eyJyZWdpc3RyeS5teWNvLmNvbSI6eyJhdXRoIjoiYzJWamNtVjBWbUZzZFdVPSJ9fX0=";

const operatorSecret = {
  apiVersion: "v1",
  kind: "Secret",
  metadata: {
    name: "test-operator",
    namespace: "kcp-system",
    labels: { "operator.kyma-project.io/managed-by": "lifecycle-manager", "operator.kyma-project.io/oci-registry-cred": "test-operator" },
    annotations: { "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify({ data: { ".dockerconfigjson": secretValue } }) },
  },
  type: "kubernetes.io/dockerconfigjson",
  data: { ".dockerconfigjson": secretValue },
};
const robotSecret = { apiVersion: "v1", kind: "Secret", metadata: { name: "harbor-robot", namespace: "apps", ownerReferences: [{ kind: "ExternalSecret", name: "harbor-robot" }] }, type: "kubernetes.io/dockerconfigjson", data: { ".dockerconfigjson": secretValue } };

let root: string;
let externalSecretObject: Record<string, unknown>;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "regfence-plan-credentials-"));
  const { externalSecretManifest } = await import("../../../src/targets/credentials/manifests.ts");
  const node = program.policies[0]?.credentials.find(({ name }) => name === "harbor-robot");
  if (node?.delivery.kind !== "external-secret") throw new Error("the robot's credential is an ExternalSecret");
  externalSecretObject = { ...externalSecretManifest(node, node.delivery), status: { conditions: [{ type: "Ready", status: "True" }] } };
});
afterAll(async () => rm(root, { recursive: true, force: true }));

async function saved(objects: readonly unknown[]): Promise<StateSource> {
  const dir = await mkdtemp(path.join(root, "state-"));
  await writeFile(path.join(dir, "cluster.yaml"), stringify({ apiVersion: "v1", kind: "List", items: objects }));
  return { kind: "saved", dir, shown: "state/credentials" };
}

const plan = (source: StateSource): Promise<DriftReport> => credentialsState.read({ program, options: undefined, artifacts: [], source });
const lines = (report: DriftReport) => report.items[0]?.parts.flatMap((part) => part.lines);

describe("plan credentials", () => {
  it("finds the Secrets and the ExternalSecret in sync, and no secret value anywhere in the report", async () => {
    const report = await plan(await saved([operatorSecret, robotSecret, externalSecretObject]));
    expect(report.items[0]?.parts.map(({ part, action }) => ({ part, action }))).toEqual([
      { part: "Secret", action: "in-sync" },
      { part: "ExternalSecret", action: "in-sync" },
    ]);
    expect(JSON.stringify(report)).not.toContain(secretValue);
  });

  it("shows a Secret of the wrong type or without its labels, never its data", async () => {
    const drifted = { ...operatorSecret, type: "Opaque", metadata: { ...operatorSecret.metadata, labels: { team: "platform" } } };
    const report = await plan(await saved([drifted, externalSecretObject]));
    expect(lines(report)).toEqual([
      "+ Secret apps/harbor-robot",
      '~ Secret kcp-system/test-operator: metadata.labels["operator.kyma-project.io/managed-by"], metadata.labels["operator.kyma-project.io/oci-registry-cred"], type',
    ]);
    expect(JSON.stringify(report)).not.toContain(secretValue);
  });

  it("asks kubectl for a Secret's name, type and labels only", async () => {
    const calls = path.join(root, "calls.txt");
    const bin = path.join(root, "bin");
    await mkdir(bin, { recursive: true });
    const served = path.join(root, "external-secrets.json");
    await writeFile(served, JSON.stringify({ apiVersion: "v1", kind: "List", items: [externalSecretObject] }));
    // A stand-in for kubectl: the operator's Secret exists with its labels, the robot's does not yet.
    await writeFile(
      path.join(bin, "kubectl"),
      `#!/bin/sh\nprintf '%s\\n' "$*" >> ${shellQuote(calls)}\ncase "$2 $3" in\n  "secret test-operator") printf 'kcp-system\\tkubernetes.io/dockerconfigjson\\t{"operator.kyma-project.io/managed-by":"lifecycle-manager","operator.kyma-project.io/oci-registry-cred":"test-operator"}' ;;\n  "secret harbor-robot") echo 'Error from server (NotFound): secrets "harbor-robot" not found' >&2; exit 1 ;;\n  *) cat ${shellQuote(served)} ;;\nesac\n`,
    );
    await chmod(path.join(bin, "kubectl"), 0o755);
    const report = await plan({ kind: "live", environment: { PATH: `${bin}:/usr/bin:/bin` } });
    expect(report.items[0]?.failure).toBeUndefined();
    expect(lines(report)).toEqual(["+ Secret apps/harbor-robot"]);
    const asked = (await readFile(calls, "utf8")).trim().split("\n").sort();
    expect(asked).toEqual([
      'get secret harbor-robot --namespace apps -o jsonpath={.metadata.namespace}{"\\t"}{.type}{"\\t"}{.metadata.labels}',
      'get secret test-operator --namespace kcp-system -o jsonpath={.metadata.namespace}{"\\t"}{.type}{"\\t"}{.metadata.labels}',
      "get externalsecrets.external-secrets.io --all-namespaces -o json",
    ].sort());
  });
});
