/**
 * `regfence plan` for vic: a VCH's whitelist and insecure registries as `vic-machine inspect
 * config` prints them (recorded raw and verbose output, saved or from a stand-in vic-machine that
 * prints the recording), compared with the flags the policy compiles to.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerHost, definePolicy } from "../../../src/dsl/index.ts";
import { shellQuote } from "../../../src/render/quote.ts";
import type { DriftReport, StateSource } from "../../../src/targets/target-state.ts";
import { parseInspectConfig, vicState } from "../../../src/targets/vic/plan-vic.ts";
import { programOf } from "../../helpers/program.ts";

const { program } = programOf(
  definePolicy({
    name: "container-hosts",
    containerHosts: [
      containerHost("vch1", {
        whitelist: ["10.2.40.40:443", "10.2.2.0/24", "*.mycompany.com"],
        insecureRegistries: ["192.168.100.207"],
        registryCas: [{ file: "/home/admin/mycerts/ca.crt", registry: "10.2.40.40:443" }],
      }),
    ],
  }),
);

/** `inspect config --format raw` of vch1 deployed from the compiled flags: one line, options joined by spaces. */
const raw =
  "--target=vcenter.example.com/dc1 --thumbprint=AB:CD:EF --name=vch1 --compute-resource=/dc1/host/my cluster/Resources --image-store=ds://datastore1 " +
  "--bridge-network=vic-bridge --insecure-registry=192.168.100.207 --whitelist-registry=10.2.2.0/24 --whitelist-registry=10.2.40.40:443 " +
  "--whitelist-registry=192.168.100.207 --whitelist-registry=*.mycompany.com\n";
/** The verbose format of a VCH deployed by hand: one option per log line, a registry missing and one extra. */
const verbose = [
  'time="2024-02-01T15:15:06Z" level=info msg="Target VCH created with the following options: ',
  "",
  "\t--target=vcenter.example.com/dc1",
  "\t--name=vch1",
  "\t--insecure-registry=192.168.100.207",
  "\t--whitelist-registry=10.2.2.0/24",
  "\t--whitelist-registry=192.168.100.207",
  "\t--whitelist-registry=*.mycompany.com",
  "\t--whitelist-registry=docker.io",
  '"',
].join("\n");

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "regfence-plan-vic-"));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

async function saved(files: Readonly<Record<string, string>>): Promise<StateSource> {
  const dir = await mkdtemp(path.join(root, "state-"));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return { kind: "saved", dir, shown: "state/vic" };
}

const plan = (source: StateSource): Promise<DriftReport> => vicState.read({ program, options: undefined, artifacts: [], source });
const parts = (report: DriftReport) => report.items[0]?.parts.map(({ part, action, lines }) => ({ part, action, lines }));

describe("vic-machine inspect config output", () => {
  it("reads unquoted values up to the next option, in both formats", () => {
    expect(parseInspectConfig(raw).get("compute-resource")).toEqual(["/dc1/host/my cluster/Resources"]);
    expect(parseInspectConfig(raw).get("whitelist-registry")).toEqual(["10.2.2.0/24", "10.2.40.40:443", "192.168.100.207", "*.mycompany.com"]);
    expect(parseInspectConfig(verbose).get("whitelist-registry")).toEqual(["10.2.2.0/24", "192.168.100.207", "*.mycompany.com", "docker.io"]);
  });
});

describe("plan vic", () => {
  it("finds a VCH deployed from the compiled flags in sync", async () => {
    const report = await plan(await saved({ "vch1.txt": raw }));
    expect(report.items[0]?.failure).toBeUndefined();
    expect(parts(report)).toEqual([
      { part: "whitelist", action: "in-sync", lines: [] },
      { part: "insecure", action: "in-sync", lines: [] },
    ]);
  });

  it("shows the entries a redeploy would add and remove", async () => {
    const report = await plan(await saved({ "vch1.txt": verbose }));
    expect(parts(report)?.[0]).toEqual({ part: "whitelist", action: "pending", lines: ["+ 10.2.40.40:443", "- docker.io"] });
    expect(report.items[0]?.parts[0]?.outcome).toBe("2 to change: fixed at creation, so the VCH must be redeployed with vic/vch1.sh (4 entries)");
  });

  it("refuses another VCH's configuration and output that is not inspect's", async () => {
    const other = await plan(await saved({ "vch1.txt": raw.replace("--name=vch1", "--name=vch2") }));
    expect(other.items[0]?.failure?.message).toBe("state/vic/vch1.txt is the configuration of VCH vch2, not vch1");
    const foreign = await plan(await saved({ "vch1.txt": "VCH ID: VirtualMachine:vm-123\nInstaller version: v1.5.0\n" }));
    expect(foreign.problems).toEqual([{ file: "state/vic/vch1.txt", line: 1, column: 1, message: "holds no --name= option; it should hold the output of vic-machine inspect config --format raw (or its verbose output)" }]);
    const missing = await plan(await saved({}));
    expect(missing.items[0]?.failure?.message).toBe("no saved state: state/vic/vch1.txt does not exist: not compared");
  });

  it("runs vic-machine live with the credentials it reads from the environment itself", async () => {
    const recording = path.join(root, "raw.txt");
    const argv = path.join(root, "argv.txt");
    await writeFile(recording, raw);
    const binary = path.join(root, "vic-machine-linux");
    // The stand-in prints the recording only when asked as regfence must ask, with the target from the environment.
    await writeFile(
      binary,
      `#!/bin/sh\nprintf '%s\\n' "$@" > ${shellQuote(argv)}\n[ "$VIC_MACHINE_TARGET" = vcenter.example.com ] || { echo 'vic-machine-linux: target required' >&2; exit 1; }\ncat ${shellQuote(recording)}\n`,
    );
    await chmod(binary, 0o755);
    const live = await plan({ kind: "live", environment: { VIC_MACHINE: binary, VIC_MACHINE_TARGET: "vcenter.example.com", VIC_MACHINE_PASSWORD: "s3cret" } });
    expect(parts(live)?.map(({ action }) => action)).toEqual(["in-sync", "in-sync"]);
    expect((await readFile(argv, "utf8")).split("\n").filter((word) => word !== "")).toEqual(["inspect", "config", "--format", "raw", "--name=vch1"]);

    const failed = await plan({ kind: "live", environment: { VIC_MACHINE: binary } });
    expect(failed.items[0]?.failure?.message).toBe("vic-machine inspect config --name=vch1 failed (exit 1): vic-machine-linux: target required");
    const absent = await plan({ kind: "live", environment: { PATH: path.join(root, "empty") } });
    expect(absent.items[0]?.failure?.message).toBe("vic-machine-linux is not on PATH; set VIC_MACHINE to the vic-machine binary");
  });
});
