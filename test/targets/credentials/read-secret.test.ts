import { afterEach, describe, expect, it } from "vitest";
import { Findings } from "../../../src/diagnostics/finding.ts";
import type { SecretRefNode } from "../../../src/ir/model.ts";
import { readSecret } from "../../../src/targets/credentials/read-secret.ts";

const source = { file: "policies/kyma.policy.ts", line: 7, column: 17, path: [] };
const variable = "REGFENCE_TEST_SECRET";
const ref: SecretRefNode = { kind: "env", variable, source };

afterEach(() => {
  delete process.env[variable];
});

describe("readSecret from the environment", () => {
  it.each(["s3cret", "pässwörd 🚀", "line\nbreak"])("returns %j as it is", async (value) => {
    process.env[variable] = value;
    const findings = new Findings();
    expect(await readSecret(ref, { credential: "test-operator", key: "password" }, findings)).toBe(value);
    expect(findings.all).toEqual([]);
  });

  // Node reads bytes that are not UTF-8 as U+FFFD: the value it hands over is not the secret.
  it.each(["\uFFFD", "Zq81\uFFFDXy", "Zq81\uFFFD\uFFFD"])("refuses %j, naming the variable and never the value", async (value) => {
    process.env[variable] = value;
    const findings = new Findings();
    expect(await readSecret(ref, { credential: "test-operator", key: "password" }, findings)).toBeUndefined();
    expect(findings.all).toEqual([
      {
        code: "RF7104",
        severity: "error",
        message: `environment variable ${variable} is not UTF-8 text (the password of credential "test-operator"): it holds U+FFFD, which Node puts in place of bytes that are not UTF-8`,
        hint: "set it from UTF-8 text; a secret that really contains U+FFFD can be read with `fromFile` instead",
        at: { ...source, path: [0] },
      },
    ]);
  });
});
