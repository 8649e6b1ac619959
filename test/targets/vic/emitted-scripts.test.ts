import { execFile } from "node:child_process";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caFileProblem } from "../../../src/targets/vic/flags-file.ts";
import { createProject, removeProjects, repoRoot, runCli, tempDir } from "../../helpers/run-cli.ts";

afterAll(removeProjects);

const run = promisify(execFile);

/** Runs a bash snippet (real bash, no profile) with positional arguments and returns its stdout. */
async function bash(script: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run("bash", ["--noprofile", "--norc", "-c", script, "bash", ...args], { cwd, env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...env } });
  return stdout;
}

async function shellcheck(files: readonly string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run("shellcheck", ["--format=gcc", ...files]);
    return { code: 0, output: stdout };
  } catch (error) {
    const failure = error as { code?: number | string; stdout?: string };
    if (failure.code === "ENOENT") throw new Error("shellcheck is not installed: apt-get install -y shellcheck (the Debian package .ci/run installs)");
    return { code: Number(failure.code), output: failure.stdout ?? "" };
  }
}

/**
 * What each reader of the emitted files makes of them, from one bash run: the array sourced from
 * `.sh`, `$(< .flags)` word-split in an empty directory (globs included), and xargs.
 */
async function readings(dir: string, vch: string, scratch: string): Promise<{ sourced: string; split: string; xargs: string }> {
  const flags = path.join(dir, `${vch}.flags`);
  const [sourced, split, xargs] = await Promise.all([
    bash(`source "$1"; printf '%s\\n' "\${VIC_REGISTRY_ARGS[@]}"`, [path.join(dir, `${vch}.sh`)], scratch),
    // Unquoted on purpose: word splitting and globbing are what `vic-machine-linux create $(< vch1.flags)` gets.
    bash(`set -- $(< "$1"); [ "$#" -eq 0 ] || printf '%s\\n' "$@"`, [flags], scratch),
    bash(`xargs -r printf '%s\\n' < "$1"`, [flags], scratch),
  ]);
  return { sourced, split, xargs };
}

/** A fake `vic-machine-linux` that prints the arguments it got, one per line. */
async function fakeVicMachine(): Promise<string> {
  const bin = await tempDir("regfence-fake-vic-");
  const fake = path.join(bin, "vic-machine-linux");
  await writeFile(fake, `#!/usr/bin/env bash\nprintf '%s\\n' "$@"\n`);
  await chmod(fake, 0o755);
  return bin;
}

describe("vic target: the worked example (seed 002) as operators use it", () => {
  let out: string;
  let flags: string;

  beforeAll(async () => {
    out = await tempDir();
    const result = await runCli(["compile", ".", "--out", out, "--target", "vic"], { cwd: path.join(repoRoot, "test", "fixtures", "vic-seed") });
    expect(result.status, result.stderr).toBe(0);
    flags = await readFile(path.join(out, "vic", "vch1.flags"), "utf8");
  });

  it("flags vic-machine-linux create the seed's deployment, one word per line", () => {
    expect(flags).toBe(
      [
        "--whitelist-registry=10.2.2.0/24",
        "--whitelist-registry=10.2.40.40:443",
        "--whitelist-registry=192.168.100.207",
        "--whitelist-registry=*.mycompany.com",
        "--insecure-registry=192.168.100.207",
        "--registry-ca=/home/admin/mycerts/ca.crt",
        "",
      ].join("\n"),
    );
  });

  it("passes shellcheck", async () => {
    const result = await shellcheck([path.join(out, "vic", "vch1.sh"), path.join(out, "vic", "vch1.configure.sh")]);
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  });

  it("sourcing .sh, $(< .flags) and xargs all yield exactly the .flags lines", async () => {
    // A file `*.mycompany.com` would match as a word of its own: the `--flag=value` form keeps it out of reach.
    const scratch = await tempDir("regfence-scratch-");
    await writeFile(path.join(scratch, "ca.mycompany.com"), "");
    const { sourced, split, xargs } = await readings(path.join(out, "vic"), "vch1", scratch);
    expect({ sourced, split, xargs }).toEqual({ sourced: flags, split: flags, xargs: flags });
  });

  it("configure.sh is executable and passes only the CAs, after the operator's vSphere arguments", async () => {
    const script = path.join(out, "vic", "vch1.configure.sh");
    expect((await stat(script)).mode & 0o111).not.toBe(0);
    const bin = await fakeVicMachine();
    const stdout = await bash(`"$1" --target 'vcenter.example.com/dc1' --compute-resource cluster1`, [script], out, { PATH: `${bin}:${process.env["PATH"] ?? ""}` });
    expect(stdout.split("\n")).toEqual(["configure", "--target", "vcenter.example.com/dc1", "--compute-resource", "cluster1", "--name", "vch1", "--registry-ca=/home/admin/mycerts/ca.crt", ""]);
  });

  it("never writes a password", async () => {
    const texts = await Promise.all(["vch1.sh", "vch1.configure.sh", "vch1.flags"].map((file) => readFile(path.join(out, "vic", file), "utf8")));
    for (const text of texts) expect(text).not.toMatch(/--password|-p\s|:[^@\s]+@/);
  });
});

describe("vic target: .flags values are glob patterns to an unquoted $(< file)", () => {
  let dir: string;
  let flags: string;
  let sh: string;

  beforeAll(async () => {
    const project = await createProject({
      "policies/globs.policy.ts": `import { containerHost, definePolicy } from "regfence";

export default definePolicy({ name: "globs", containerHosts: [containerHost("vch-globs", { whitelist: ["*.example.com", "[2001:db8::1]:5000", "10.0.0.0/8"] })] });
`,
    });
    const result = await project.run(["compile", "--target", "vic", "--no-typecheck"]);
    expect(result.status, result.stderr).toBe(0);
    dir = project.path("out", "vic");
    flags = await readFile(path.join(dir, "vch-globs.flags"), "utf8");
    sh = await readFile(path.join(dir, "vch-globs.sh"), "utf8");
    // A file the `*.example.com` pattern matches, where the commands run.
    await writeFile(path.join(dir, "--whitelist-registry=decoy.example.com"), "");
  });

  const print = `printf '%s\\n' "\${registry_args[@]}"`;
  const globbing = [
    ["default", ""],
    ["nullglob", "shopt -s nullglob; "],
    ["failglob", "shopt -s failglob; "],
  ] as const;

  it("makes the hazard real: the decoy replaces a flag, nullglob drops it, failglob fails", async () => {
    const unquoted = `registry_args=($(< vch-globs.flags)); ${print}`;
    expect(await bash(unquoted, [], dir)).toContain("--whitelist-registry=decoy.example.com\n");
    const emptied = await tempDir("regfence-scratch-");
    await writeFile(path.join(emptied, "vch-globs.flags"), flags);
    expect(await bash(`shopt -s nullglob; ${unquoted}`, [], emptied)).toBe("--whitelist-registry=10.0.0.0/8\n");
    await expect(bash(`shopt -s failglob; ${unquoted}`, [], emptied)).rejects.toMatchObject({ stderr: expect.stringContaining("no match") });
  });

  it("the .sh recommends its array and says how to read the .flags file safely", () => {
    expect(sh).toContain("# Use this array rather than the .flags file.");
    expect(sh).toMatch(/shopt -s nullglob`[^]*shopt -s failglob`/);
    expect(sh).toContain("\n#   mapfile -t registry_args < vch-globs.flags\n");
    expect(sh).toContain("`set -f`");
  });

  it.each(globbing)("the array and the ways the .sh gives to read .flags yield its lines exactly, glob setting %s", async (_, shopt) => {
    const mapfile = /^# {3}(mapfile -t registry_args < \S+)$/m.exec(sh)?.[1] ?? "no mapfile line";
    expect(await bash(`${shopt}${mapfile}; ${print}`, [], dir)).toBe(flags);
    expect(await bash(`${shopt}set -f; registry_args=($(< vch-globs.flags)); set +f; ${print}`, [], dir)).toBe(flags);
    expect(await bash(`${shopt}source ./vch-globs.sh; printf '%s\\n' "\${VIC_REGISTRY_ARGS[@]}"`, [], dir)).toBe(flags);
  });
});

describe("vic target: generated container hosts through real bash", () => {
  const addresses = ["10.2.40.40:443", "10.2.2.0/24", "*.mycompany.com", "[2001:db8::1]:5000", "2001:db8::/32", "registry.example.com", "*.eu.example.com:5000"];
  const servers = ["192.168.100.207", "build.example.com:5000", "[2001:db8::2]"];
  const awkward = [..."abz019/._-$;&|()<>!#%{}=+,:@^`é€漢~ '\"\\*?[]\t"];
  const caFile = fc.string({ unit: fc.constantFrom(...awkward), minLength: 1, maxLength: 24 }).filter((file) => caFileProblem(file) === undefined);
  const hosts = [
    ...fc.sample(
      fc.record({
        whitelist: fc.subarray(addresses),
        insecureRegistries: fc.subarray(servers),
        registryCas: fc.uniqueArray(caFile, { maxLength: 3 }),
      }),
      { numRuns: 25, seed: 6006 },
    ),
    // Audit R4: shellcheck reads '$HOME' in single quotes as a mistaken expansion (SC2016).
    { whitelist: ["registry.example.com"], insecureRegistries: [], registryCas: ["/certs/$HOME,ca.crt", "/certs/`id`.crt"] },
  ];

  it("every .sh passes shellcheck, and every reader sees the .flags lines", async () => {
    const policy = `import { containerHost, definePolicy } from "regfence";

export default definePolicy({
  name: "generated",
  containerHosts: [
${hosts.map((options, index) => `    containerHost("vch-${index}", ${JSON.stringify(options)}),`).join("\n")}
  ],
});
`;
    const project = await createProject({ "policies/generated.policy.ts": policy });
    const result = await project.run(["compile", "--target", "vic", "--no-typecheck"]);
    expect(result.status, result.stderr).toBe(0);
    const dir = project.path("out", "vic");
    const scripts = hosts.flatMap((_, index) => [path.join(dir, `vch-${index}.sh`), path.join(dir, `vch-${index}.configure.sh`)]);
    expect(await shellcheck(scripts)).toEqual({ code: 0, output: "" });
    const scratch = project.path("scratch");
    await mkdir(scratch);
    for (const [index, options] of hosts.entries()) {
      const flags = await readFile(path.join(dir, `vch-${index}.flags`), "utf8");
      expect(flags.split("\n").filter((line) => line.startsWith("--registry-ca=")).sort()).toEqual(options.registryCas.map((file) => `--registry-ca=${file}`).sort());
      const { sourced, split, xargs } = await readings(dir, `vch-${index}`, scratch);
      expect({ sourced, split, xargs }, `vch-${index}`).toEqual({ sourced: flags, split: flags, xargs: flags });
    }
  });

  it("configure.sh without CAs stops before calling vic-machine-linux", async () => {
    const project = await createProject({
      "policies/no-ca.policy.ts": `import { containerHost, definePolicy } from "regfence";

export default definePolicy({ name: "no-ca", containerHosts: [containerHost("vch-plain", { whitelist: ["registry.example.com"] })] });
`,
    });
    expect((await project.run(["compile", "--target", "vic", "--no-typecheck"])).status).toBe(0);
    const bin = await fakeVicMachine();
    const attempt = run(project.path("out", "vic", "vch-plain.configure.sh"), [], { env: { PATH: `${bin}:${process.env["PATH"] ?? ""}` } });
    await expect(attempt).rejects.toMatchObject({ code: 1, stdout: "", stderr: expect.stringContaining("vic-machine-linux configure cannot remove CAs") });
  });
});
