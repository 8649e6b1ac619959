import { execFile, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dockerConfigJson, goJsonString } from "../../../src/targets/credentials/docker-config.ts";
import { isGoDuration } from "../../../src/targets/credentials/go-duration.ts";
import { externalSecretDockerConfig } from "../../../src/targets/credentials/manifests.ts";
import { dropLineEnding } from "../../../src/targets/credentials/read-secret.ts";

interface KubectlCase {
  readonly server: string;
  readonly username: string;
  readonly password: string;
  /** `data[".dockerconfigjson"]` of kubectl's Secret. */
  readonly dockerconfigjson: string;
}

/** kubectl's known output for hard inputs, recorded with the kubectl the file names. */
const fixture = JSON.parse(readFileSync(new URL("fixtures/kubectl-docker-registry.json", import.meta.url), "utf8")) as {
  readonly kubectl: string;
  readonly cases: readonly KubectlCase[];
};

const kubectlRuns = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;
if (!kubectlRuns) console.warn(`kubectl is not installed: comparing with its recorded output (${fixture.kubectl}) only`);

const run = promisify(execFile);

/** What kubectl itself puts in `.dockerconfigjson` (base64), arguments passed without a shell. */
async function kubectlDockerConfig(server: string, username: string, password: string): Promise<string> {
  const args = ["create", "secret", "docker-registry", "probe", `--docker-server=${server}`, `--docker-username=${username}`, `--docker-password=${password}`, "--dry-run=client", "-o", "json"];
  const { stdout } = await run("kubectl", args, { encoding: "utf8" });
  const secret = JSON.parse(stdout) as { type: string; data: Record<string, string> };
  expect(secret.type).toBe("kubernetes.io/dockerconfigjson");
  return secret.data[".dockerconfigjson"] ?? "";
}

const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

describe("dockerConfigJson", () => {
  it("is the reference's decoded example byte for byte", () => {
    expect(dockerConfigJson("registry.example.com", "u", "p")).toBe('{"auths":{"registry.example.com":{"username":"u","password":"p","auth":"dTpw"}}}');
    expect(dockerConfigJson("registry.example.com", "a&b", '<p>"q\\')).toBe(
      '{"auths":{"registry.example.com":{"username":"a\\u0026b","password":"\\u003cp\\u003e\\"q\\\\","auth":"YSZiOjxwPiJxXA=="}}}',
    );
  });

  it.each(fixture.cases)("equals kubectl's recorded output for $username / $password", (recorded) => {
    expect(base64(dockerConfigJson(recorded.server, recorded.username, recorded.password))).toBe(recorded.dockerconfigjson);
  });

  it.runIf(kubectlRuns)("and the recording still is what kubectl writes", async () => {
    const actual = await Promise.all(fixture.cases.map((recorded) => kubectlDockerConfig(recorded.server, recorded.username, recorded.password)));
    expect(actual).toEqual(fixture.cases.map((recorded) => recorded.dockerconfigjson));
  });

  it.runIf(kubectlRuns)("equals kubectl's for any username and password (property)", async () => {
    // Any code points but NUL (argv cannot hold it); the username without ':' as regfence requires.
    const text = fc.string({ unit: "binary", minLength: 1, maxLength: 24 }).filter((value) => !value.includes("\0"));
    const special = fc.constantFrom("&", "<", ">", '"', "'", "\\", "$", "\u2028", "\u2029", "\u007f", "\b", "\f", "\n", "ü", "🔑", "密");
    const password = fc.tuple(text, special, text).map((parts) => parts.join(""));
    await fc.assert(
      fc.asyncProperty(text.filter((value) => !value.includes(":")), password, async (username, secret) => {
        expect(base64(dockerConfigJson("registry.myco.com", username, secret))).toBe(await kubectlDockerConfig("registry.myco.com", username, secret));
      }),
      { numRuns: 30 },
    );
  });
});

describe("goJsonString", () => {
  it("parses back to the input and holds none of & < > U+2028 U+2029 raw (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (value) => {
        const encoded = goJsonString(value);
        expect(JSON.parse(encoded)).toBe(value);
        expect(encoded).not.toMatch(/[&<>\u2028\u2029]/);
      }),
    );
  });
});

describe("the ExternalSecret's .dockerconfigjson template", () => {
  it("renders kubectl's bytes when Go evaluates it (toJson is json.Marshal, b64enc standard base64)", () => {
    // What ESO's Go template engine does, step by step, for one HTML-escaped value.
    const username = "a&b";
    const password = '<p>"q\\';
    const rendered = externalSecretDockerConfig("registry.example.com")
      .replace("{{ .username | toJson }}", goJsonString(username))
      .replace("{{ .password | toJson }}", goJsonString(password))
      .replace('{{ printf "%s:%s" .username .password | b64enc | toJson }}', goJsonString(base64(`${username}:${password}`)));
    expect(rendered).toBe(dockerConfigJson("registry.example.com", username, password));
  });
});

describe("dropLineEnding", () => {
  it.each([
    ["token\n", "token"],
    ["token\r\n", "token"],
    ["token\n\n", "token\n"],
    ["token\r", "token\r"],
    ["token", "token"],
    ["\n", ""],
    ["", ""],
  ])("%j → %j", (text, expected) => {
    expect(dropLineEnding(text)).toBe(expected);
  });
});

describe("isGoDuration", () => {
  it.each([
    ["1h", true],
    ["30m", true],
    ["1h30m", true],
    ["1.5h", true],
    [".5s", true],
    ["10ms", true],
    ["5µs", true],
    ["0", true],
    ["1h0m0s", true],
    ["", false],
    ["1", false],
    ["1 hour", false],
    ["-1h", false],
    ["1d", false],
    ["h", false],
    [".s", false],
  ])("%j → %j", (text, expected) => {
    expect(isGoDuration(text)).toBe(expected);
  });
});
