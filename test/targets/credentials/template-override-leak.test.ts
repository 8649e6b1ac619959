import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { createProject, hasStackTrace, removeProjects } from "../../helpers/run-cli.ts";
import { exists } from "../../helpers/tree.ts";

afterAll(removeProjects);

const policy = `import { credential, definePolicy, fromEnv } from "regfence";
export default definePolicy({
  name: "kyma",
  credentials: [
    credential("test-operator", { server: "registry.myco.com", username: fromEnv("RF_USER"), password: fromEnv("RF_PASSWORD"), readOnly: true }),
  ],
});
`;

/** Overrides of the Secret template that fail in each place a message could quote the data. */
const brokenTemplates: readonly (readonly [string, string])[] = [
  ["a helper that refuses the value", "{{comment banner}}\n# {{word manifest.data}}\n"],
  ["a field that does not exist", "{{comment banner}}\n{{manifest.data.nothing.here}}\n"],
  // Handlebars names the object it looked in: here the encoded .dockerconfigjson itself.
  ["a field looked up on the encoded credentials", "{{comment banner}}\n{{manifest.data.[.dockerconfigjson].nope}}\n"],
  ["YAML that does not parse", '{{comment banner}}\ndata: {{json manifest.data}}\n  broken: [\n'],
  ["a value changed", '{{comment banner}}\napiVersion: v1\nkind: Secret\ndata: { ".dockerconfigjson": "Zm9v" }\n'],
];

describe("a broken override of the Secret template", { timeout: 240_000 }, () => {
  it.each(brokenTemplates)("reports %s without quoting the credentials", async (_what, template) => {
    const password = `pw-${randomBytes(12).toString("hex")}`;
    const project = await createProject({ "policies/kyma.policy.ts": policy, "templates/credentials/secret.yaml.hbs": template, ".regfencerc.json": '{ "templates": "templates" }' });
    const result = await project.run(["compile", "--secrets"], { RF_USER: "robot", RF_PASSWORD: password });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/secret\.yaml\.hbs|kubernetes\/secrets\/test-operator\.yaml/);
    expect(hasStackTrace(result.stderr)).toBe(false);
    const auth = Buffer.from(`robot:${password}`).toString("base64");
    for (const secretForm of [password, auth, Buffer.from(password).toString("base64")]) {
      expect(result.stdout + result.stderr).not.toContain(secretForm);
    }
    // The encoded .dockerconfigjson as a whole must not appear either.
    expect(result.stderr).not.toMatch(/eyJhdXRocyI6/);
    expect(await exists(project.path("out"))).toBe(false);
  });
});
