import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { afterAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { createProject, removeProjects, repoRoot } from "../../helpers/run-cli.ts";

afterAll(removeProjects);

/** Upstream JSON Schemas (../shared/schemas/SOURCES.md): `$REGFENCE_SCHEMAS`, else `../shared/schemas`. */
const schemas = path.resolve(repoRoot, process.env["REGFENCE_SCHEMAS"] ?? "../shared/schemas");
const required = process.env["REGFENCE_REQUIRE_SCHEMAS"] === "1";
const available = existsSync(path.join(schemas, "core", "secret_v1.json"));
if (!available && !required) console.warn(`skipped: no JSON Schemas at ${schemas} (set REGFENCE_SCHEMAS, or REGFENCE_REQUIRE_SCHEMAS=1 to fail)`);

function validator(file: string): ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  return ajv.compile(JSON.parse(readFileSync(path.join(schemas, file), "utf8")) as object);
}

const policy = `import { credential, definePolicy, externalSecret, fromEnv, fromFile, kubernetesSecret } from "regfence";

export default definePolicy({
  name: "kyma",
  credentials: [
    credential("test-operator", {
      server: "registry.myco.com",
      username: fromEnv("OCI_REGISTRY_USERNAME"),
      password: fromEnv("OCI_REGISTRY_PASSWORD"),
      delivery: kubernetesSecret({ namespace: "kcp-system" }),
      readOnly: true,
    }),
    credential("file-robot", {
      server: "localhost:5000",
      username: fromFile("user"),
      password: fromFile("token"),
      readOnly: true,
    }),
    credential("harbor-robot", {
      server: "harbor.myco.com",
      delivery: externalSecret({
        namespace: "kcp-system",
        store: { kind: "ClusterSecretStore", name: "vault" },
        remoteRef: { key: "registries/harbor-robot", usernameProperty: "user", passwordProperty: "token" },
        refreshInterval: "30m",
      }),
      readOnly: true,
    }),
    credential("ghcr-robot", {
      server: "ghcr.io",
      delivery: externalSecret({ store: { kind: "SecretStore", name: "ghcr" }, remoteRef: { key: "ghcr" } }),
      readOnly: true,
    }),
  ],
});
`;

describe.runIf(available || required)("credentials: emitted manifests against the upstream schemas", () => {
  it("Secrets are valid core/v1 Secrets and ExternalSecrets valid external-secrets.io/v1", async () => {
    const project = await createProject({ "policies/kyma.policy.ts": policy, "policies/user": "robot\n", "policies/token": 'p&<>"ü\n' });
    const result = await project.run(["compile", "--secrets"], { OCI_REGISTRY_USERNAME: "robot", OCI_REGISTRY_PASSWORD: "$ecret'\"&<>" });
    expect(result.status, result.stderr).toBe(0);

    const cases = [
      ["core/secret_v1.json", "kubernetes/secrets", ["test-operator", "file-robot"]],
      ["external-secrets.io/externalsecret_v1.json", "kubernetes/external-secrets", ["harbor-robot", "ghcr-robot"]],
    ] as const;
    for (const [schema, directory, names] of cases) {
      const validate = validator(schema);
      for (const name of names) {
        const document: unknown = YAML.parse(readFileSync(project.path("out", directory, `${name}.yaml`), "utf8"));
        expect(validate(document), `${directory}/${name}.yaml: ${JSON.stringify(validate.errors, null, 2)}`).toBe(true);
      }
    }
  });
});
