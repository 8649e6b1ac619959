import { afterAll, describe, expect, it } from "vitest";
import { type CliResult, createProject, hasStackTrace, removeProjects } from "../helpers/run-cli.ts";
import { exists, readTextTree } from "../helpers/tree.ts";

afterAll(removeProjects);

/** One OVH registry, kept outside the default `policies/` glob so only a config finds it. */
const registryPolicy = `import { definePolicy, network, ovhRegistry } from "regfence";

const office = network("office", [
  { cidr: "203.0.113.0/24", description: "office" },
  { cidr: "198.51.100.7", description: "CI runner" },
]);

export default definePolicy({
  name: "edge",
  registries: [ovhRegistry("mpr-edge", { serviceName: "0123456789abcdef0123456789abcdef", registryId: "3f8e2d4c-9b1a-4c6e-8d2f-7a5b3c1e9f04", management: [office], registry: "open" })],
});
`;
const policyFiles = { "registry-policies/edge.policy.ts": registryPolicy };
const emitted = ["ovh/mpr-edge/management.json", "ovh/mpr-edge/plan.json", "ovh/mpr-edge/registry.json", "report/index.html", "report/report.md"];

function details(result: CliResult): string {
  return `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
}

describe.concurrent("config discovery", { timeout: 240_000 }, () => {
  const glob = "registry-policies/**/*.policy.ts";
  const configs: readonly (readonly [string, Record<string, string>])[] = [
    ["regfence.config.ts", { "regfence.config.ts": `import { defineConfig } from "regfence";\n\nexport default defineConfig({ policies: "${glob}", outDir: "gen-ts" });\n` }],
    ["regfence.config.mjs", { "regfence.config.mjs": `import { defineConfig } from "regfence";\n\nexport default defineConfig({ policies: ["${glob}"], outDir: "gen-mjs" });\n` }],
    ["regfence.config.json", { "regfence.config.json": JSON.stringify({ policies: glob, outDir: "gen-json" }) }],
    ["regfence.config.yaml", { "regfence.config.yaml": `policies:\n  - "${glob}"\noutDir: gen-yaml\n` }],
    [".regfencerc", { ".regfencerc": `policies: "${glob}"\noutDir: gen-rc\n` }],
    ["package.json", { "package.json": JSON.stringify({ name: "user-repo", private: true, regfence: { policies: glob, outDir: "gen-pkg" } }, null, 2) }],
  ];

  it("without a config the default glob finds nothing (exit 2)", async () => {
    const project = await createProject(policyFiles);
    const result = await project.run(["compile"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("regfence: no policy files found in policies/**/*.policy.ts");
    expect(await exists(project.path("out"))).toBe(false);
  });

  it.each(configs)("reads %s: its policies glob and outDir are used", async (_name, files) => {
    const project = await createProject({ ...policyFiles, ...files });
    const outDir = /outDir"?:\s*"?(gen-[a-z]+)/.exec(Object.values(files)[0] ?? "")?.[1] ?? "";
    expect(outDir).toMatch(/^gen-[a-z]+$/);
    const result = await project.run(["compile"]);
    expect(result.status, details(result)).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^compiled 1 polic(y|ies) into ${outDir}\n`));
    expect(Object.keys(await readTextTree(project.path(outDir)))).toEqual(emitted);
    expect(await exists(project.path("out"))).toBe(false);
  });

  it("--config names a file that does not exist: exit 2 naming it", async () => {
    const project = await createProject(policyFiles);
    const result = await project.run(["compile", "--config", "missing.json"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("regfence: config file not found: missing.json\n");
    expect(result.stdout).toBe("");
  });

  const invalid: readonly (readonly [string, string, RegExp])[] = [
    ['{ "targets": ["nope"] }', "targets.0", /expected .*"ovh"/],
    ['{ "outDir": 3 }', "outDir", /expected string, received number/],
    ['{ "unknownKey": 1 }', "(top level)", /Unrecognized key: "unknownKey"/],
  ];

  it("an invalid config exits 2 naming the file and the key, whether found or given with --config", async () => {
    const runs = await Promise.all(
      invalid.flatMap(([content]) => [
        createProject({ ...policyFiles, "regfence.config.json": content }).then((project) => project.run(["compile"])),
        createProject({ ...policyFiles, "conf/custom.json": content }).then((project) => project.run(["validate", "--config", "conf/custom.json"])),
      ]),
    );
    invalid.forEach(([content, key, problem], index) => {
      for (const [result, file] of [
        [runs[2 * index], "regfence.config.json"],
        [runs[2 * index + 1], "conf/custom.json"],
      ] as const) {
        const label = `${content} in ${file}\n${result?.stderr}`;
        expect(result?.status, label).toBe(2);
        expect(result?.stderr, label).toContain(`regfence: invalid config in ${file}:\n  ${key}: `);
        expect(result?.stderr, label).toMatch(problem);
        expect(hasStackTrace(result?.stderr ?? ""), label).toBe(false);
      }
    });
  });
});

describe.concurrent("template overrides (`templates`)", { timeout: 240_000 }, () => {
  const config = { "regfence.config.json": JSON.stringify({ policies: "registry-policies/*.policy.ts", templates: "templates" }) };

  it("uses an override template in place of the bundled one; the other templates stay bundled", async () => {
    const override = `[
{{#each payload}}  { "ipBlock": {{json ipBlock}}, "description": {{json description}}, "managedBy": "regfence" }{{#unless @last}},{{/unless}}
{{/each}}]
`;
    const [withOverride, bundled] = await Promise.all([
      createProject({ ...policyFiles, ...config, "templates/ovh/ip-restrictions.json.hbs": override }),
      // The same project with no override directory (a templates key naming none is an error).
      createProject({ ...policyFiles, "regfence.config.json": JSON.stringify({ policies: "registry-policies/*.policy.ts" }) }),
    ]);
    const results = await Promise.all([withOverride.run(["compile"]), bundled.run(["compile"])]);
    for (const result of results) expect(result.status, details(result)).toBe(0);
    const [custom, plain] = await Promise.all([readTextTree(withOverride.path("out")), readTextTree(bundled.path("out"))]);
    expect(custom["ovh/mpr-edge/management.json"]).toBe(
      `[
  { "ipBlock": "198.51.100.7/32", "description": "CI runner", "managedBy": "regfence" },
  { "ipBlock": "203.0.113.0/24", "description": "office", "managedBy": "regfence" }
]
`,
    );
    expect(custom["ovh/mpr-edge/registry.json"]).toBe("[\n]\n");
    expect(plain["ovh/mpr-edge/management.json"]).toBe(
      `${JSON.stringify(
        [
          { description: "CI runner", ipBlock: "198.51.100.7/32" },
          { description: "office", ipBlock: "203.0.113.0/24" },
        ],
        null,
        2,
      )}\n`,
    );
    expect(custom["ovh/mpr-edge/plan.json"]).toBe(plain["ovh/mpr-edge/plan.json"]);
  });

  const broken: readonly (readonly [string, string, string])[] = [
    ["invalid JSON", "not json {{json payload}}\n", "ovh/mpr-edge/management.json: the rendered JSON does not parse"],
    [
      "a changed value",
      '[{{#each payload}}{ "ipBlock": "0.0.0.0/0", "description": {{json description}} }{{#unless @last}},{{/unless}}{{/each}}]\n',
      "ovh/mpr-edge/management.json: the rendered JSON does not match what regfence emits (at [0].ipBlock); check the template",
    ],
  ];

  it.each(broken)("an override that renders %s exits 2 and writes nothing", async (_what, template, message) => {
    const [fresh, existing] = await Promise.all([
      createProject({ ...policyFiles, ...config, "templates/ovh/ip-restrictions.json.hbs": template }),
      // An override directory with nothing in it yet: every template is the bundled one.
      createProject({ ...policyFiles, ...config, "templates/.keep": "" }),
    ]);
    const first = await existing.run(["compile"]);
    expect(first.status, details(first)).toBe(0);
    await existing.write({ "templates/ovh/ip-restrictions.json.hbs": template, "registry-policies/edge.policy.ts": registryPolicy.replace("203.0.113.0/24", "203.0.113.128/25") });
    const before = await readTextTree(existing.path("out"));

    const results = await Promise.all([fresh.run(["compile"]), existing.run(["compile"])]);
    for (const result of results) {
      expect(result.status, details(result)).toBe(2);
      expect(result.stderr).toContain(`regfence: ${message}`);
      expect(hasStackTrace(result.stderr)).toBe(false);
    }
    expect(await exists(fresh.path("out"))).toBe(false);
    expect(await readTextTree(existing.path("out"))).toEqual(before);
  });
});
