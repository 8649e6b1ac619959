import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, createProject, positionOf, removeProjects, type TempProject } from "../../helpers/run-cli.ts";
import type { Diagnostic } from "../../../src/diagnostics/diagnostic.ts";

afterAll(removeProjects);

interface Expected {
  readonly code: string;
  readonly severity: "error" | "warning" | "info";
  /** The literal the diagnostic points at, as written in the row's policy. */
  readonly at: string;
  readonly occurrence?: number;
  /** A part of the message a user must see. */
  readonly says: string;
}

interface Row {
  /** The `containerHost` options, as policy source. */
  readonly options: string;
  readonly name?: string;
  readonly expected: readonly Expected[];
}

const ca = (registry: string): string => `{ file: "/etc/vic/ca.crt", registry: "${registry}" }`;

/** Invalid or surprising entries, one container host each, and what `regfence validate` says. */
const rows: Readonly<Record<string, Row>> = {
  "seed 002 as written: host bits normalised, insecure registry joins the whitelist": {
    options: `{ whitelist: ["10.2.40.40:443", "10.2.2.1/24", "*.mycompany.com"], insecureRegistries: ["192.168.100.207"], registryCas: [${ca("10.2.40.40:443")}] }`,
    expected: [
      { code: "RF6031", severity: "warning", at: '"10.2.40.40:443"', says: 'vic-machine does not read "10.2.40.40" as "10.2.40.40:443"' },
      { code: "RF6004", severity: "warning", at: '"10.2.2.1/24"', says: "vic-machine stores it as 10.2.2.0/24" },
      { code: "RF6012", severity: "info", at: '"192.168.100.207"', says: "regfence emits --whitelist-registry=192.168.100.207 too" },
    ],
  },
  "comma-separated list": {
    options: `{ whitelist: ["a.example.com,b.example.com"] }`,
    expected: [{ code: "RF6002", severity: "error", at: '"a.example.com,b.example.com"', says: "is a comma-separated list" }],
  },
  "URL scheme": {
    options: `{ whitelist: ["https://registry.example.com"] }`,
    expected: [{ code: "RF6003", severity: "error", at: '"https://registry.example.com"', says: "has a URL scheme" }],
  },
  "path after the host": {
    options: `{ whitelist: ["registry.example.com/team"] }`,
    expected: [{ code: "RF6003", severity: "error", at: '"registry.example.com/team"', says: "has a path" }],
  },
  "CIDR prefix out of range": {
    options: `{ whitelist: ["10.0.0.0/33"] }`,
    expected: [{ code: "RF6005", severity: "error", at: '"10.0.0.0/33"', says: "is not a valid CIDR range" }],
  },
  "IPv4 octet out of range": {
    options: `{ whitelist: ["300.1.1.1"] }`,
    expected: [{ code: "RF6001", severity: "error", at: '"300.1.1.1"', says: '"300.1.1.1" is not a valid IPv4 address' }],
  },
  "IPv6 without brackets": {
    options: `{ whitelist: ["2001:db8::1"] }`,
    expected: [{ code: "RF6001", severity: "error", at: '"2001:db8::1"', says: "is an IPv6 address without brackets" }],
  },
  "port out of range": {
    options: `{ whitelist: ["registry.example.com:99999"] }`,
    expected: [{ code: "RF6001", severity: "error", at: '"registry.example.com:99999"', says: "must be a number from 1 to 65535" }],
  },
  "blank inside an address": {
    options: `{ whitelist: ["registry .example.com"] }`,
    expected: [{ code: "RF6001", severity: "error", at: '"registry .example.com"', says: "contains whitespace" }],
  },
  "empty address": {
    options: `{ whitelist: [""] }`,
    expected: [{ code: "RF6001", severity: "error", at: '""', says: "the registry address is empty" }],
  },
  "wildcard inside a label": {
    options: `{ whitelist: ["reg*.example.com"] }`,
    expected: [{ code: "RF6001", severity: "error", at: '"reg*.example.com"', says: "is not a wildcard vic-machine documents" }],
  },
  "the same range twice once normalised": {
    options: `{ whitelist: ["10.2.2.0/24", "10.2.2.1/24"] }`,
    expected: [
      { code: "RF6004", severity: "warning", at: '"10.2.2.1/24"', says: "has host bits set" },
      { code: "RF6006", severity: "warning", at: '"10.2.2.1/24"', says: "10.2.2.0/24 is listed twice in whitelist" },
    ],
  },
  "a network's rule repeated as a literal": {
    options: `{ whitelist: [network("lab", [{ cidr: "10.9.0.0/16", description: "lab" }]), "10.9.0.0/16"] }`,
    expected: [{ code: "RF6006", severity: "warning", at: '"10.9.0.0/16"', occurrence: 2, says: "10.9.0.0/16 is listed twice in whitelist" }],
  },
  "insecure CIDR": {
    options: `{ insecureRegistries: ["10.0.0.0/8"] }`,
    expected: [{ code: "RF6010", severity: "error", at: '"10.0.0.0/8"', says: "insecure registry 10.0.0.0/8 is a CIDR range" }],
  },
  "insecure wildcard: vic-machine takes it": {
    options: `{ insecureRegistries: ["*.example.com"] }`,
    expected: [],
  },
  "insecure registry a whitelist wildcard already covers: not listed again": {
    options: `{ whitelist: ["*.example.com"], insecureRegistries: ["dev.example.com:5000"] }`,
    expected: [],
  },
  "insecure registry in whitelist mode joins the whitelist": {
    options: `{ whitelist: ["registry.example.com"], insecureRegistries: ["build.example.com:5000"] }`,
    expected: [{ code: "RF6012", severity: "info", at: '"build.example.com:5000"', says: "joins the whitelist" }],
  },
  "insecure registry without a whitelist: no whitelist mode, nothing joins": {
    options: `{ insecureRegistries: ["build.example.com:5000"] }`,
    expected: [],
  },
  "insecure registry already whitelisted": {
    options: `{ whitelist: ["build.example.com:5000"], insecureRegistries: ["build.example.com:5000"] }`,
    expected: [],
  },
  "VIC Registry marked insecure": {
    options: `{ vicRegistries: ["harbor.example.com"], insecureRegistries: ["harbor.example.com:443"], registryCas: [${ca("harbor.example.com")}] }`,
    expected: [{ code: "RF6013", severity: "error", at: '"harbor.example.com:443"', says: "cannot be an insecure registry" }],
  },
  "VIC Registry without its CA": {
    options: `{ vicRegistries: ["harbor.example.com"] }`,
    expected: [{ code: "RF6016", severity: "warning", at: '"harbor.example.com"', says: "no registryCas entry is for vSphere Integrated Containers Registry harbor.example.com" }],
  },
  "VIC Registry outside the whitelist": {
    options: `{ whitelist: ["*.mycompany.com"], vicRegistries: ["harbor.example.com"], registryCas: [${ca("harbor.example.com")}] }`,
    expected: [
      { code: "RF6015", severity: "warning", at: '"harbor.example.com"', says: "is not covered by the whitelist" },
      { code: "RF6020", severity: "warning", at: '"harbor.example.com"', occurrence: 2, says: "which the whitelist does not cover" },
    ],
  },
  "VIC Registry given as a range": {
    options: `{ vicRegistries: ["10.0.0.0/24"], registryCas: ["/etc/vic/ca.crt"] }`,
    expected: [{ code: "RF6014", severity: "error", at: '"10.0.0.0/24"', says: "is a CIDR range, not one registry" }],
  },
  "CA for a registry the whitelist leaves out": {
    options: `{ whitelist: ["registry.example.com"], registryCas: [${ca("other.example.com")}] }`,
    expected: [{ code: "RF6020", severity: "warning", at: '"other.example.com"', says: "the CA /etc/vic/ca.crt is for other.example.com, which the whitelist does not cover" }],
  },
  "CA for host:443 whitelisted with the port, named without it: vic does not cover it": {
    options: `{ whitelist: ["10.2.40.40:443"], registryCas: [${ca("10.2.40.40")}] }`,
    expected: [
      { code: "RF6031", severity: "warning", at: '"10.2.40.40:443"', says: "admits only pulls that name the port" },
      { code: "RF6020", severity: "warning", at: '"10.2.40.40"', says: "which the whitelist does not cover" },
    ],
  },
  "CA for another port than the whitelisted one": {
    options: `{ whitelist: ["registry.example.com:443"], registryCas: [${ca("registry.example.com:5000")}] }`,
    expected: [
      { code: "RF6031", severity: "warning", at: '"registry.example.com:443"', says: "admits only pulls that name the port" },
      { code: "RF6020", severity: "warning", at: '"registry.example.com:5000"', says: "which the whitelist does not cover" },
    ],
  },
  "CA without whitelist mode": {
    options: `{ registryCas: [${ca("registry.example.com")}] }`,
    expected: [],
  },
  "*.example.com does not match example.com": {
    options: `{ whitelist: ["*.example.com"], registryCas: [${ca("example.com")}] }`,
    expected: [
      { code: "RF6030", severity: "info", at: '"*.example.com"', says: "*.example.com does not match example.com itself" },
      { code: "RF6020", severity: "warning", at: '"example.com"', says: "which the whitelist does not cover" },
    ],
  },
  "a wildcard covers deeper names": {
    options: `{ whitelist: ["*.example.com"], registryCas: [${ca("registry.eu.example.com")}] }`,
    expected: [],
  },
  "a CIDR never covers a host name": {
    options: `{ whitelist: ["10.0.0.0/8"], registryCas: [${ca("registry.example.com")}] }`,
    expected: [{ code: "RF6020", severity: "warning", at: '"registry.example.com"', says: "which the whitelist does not cover" }],
  },
  "CA path with a blank": {
    options: `{ registryCas: ["/home/admin/my certs/ca.crt"] }`,
    expected: [{ code: "RF6021", severity: "error", at: '"/home/admin/my certs/ca.crt"', says: "contains a blank, quote, backslash or glob character" }],
  },
  "CA path starting with ~": {
    options: `{ registryCas: ["~/certs/ca.crt"] }`,
    expected: [{ code: "RF6021", severity: "error", at: '"~/certs/ca.crt"', says: 'starts with "~"' }],
  },
  "the same CA twice": {
    options: `{ registryCas: ["/etc/vic/ca.crt", "/etc/vic/ca.crt"] }`,
    expected: [{ code: "RF6006", severity: "warning", at: '"/etc/vic/ca.crt"', occurrence: 2, says: "is listed twice" }],
  },
  "VCH name with a dot": {
    name: "vch.prod",
    options: `{}`,
    expected: [{ code: "RF6040", severity: "error", at: '"vch.prod"', says: `vic-machine refuses the VCH name "vch.prod": it contains '.'` }],
  },
  "VCH name over 31 characters": {
    name: "vch-0123456789-0123456789-012345",
    options: `{}`,
    expected: [{ code: "RF6040", severity: "error", at: '"vch-0123456789-0123456789-012345"', says: "it is 32 characters long, more than 31" }],
  },
};

const cases = Object.entries(rows).map(([title, row], index) => {
  const file = `policies/row-${index}.policy.ts`;
  const source = `import { containerHost, definePolicy, network } from "regfence";

export default definePolicy({
  name: "row-${index}",
  containerHosts: [
    containerHost(${JSON.stringify(row.name ?? `vch-${index}`)}, ${row.options}),
  ],
});
`;
  return { title, row, file, source };
});

describe("vic target: invalid or surprising entries", () => {
  let project: TempProject;
  let result: CliResult;
  let diagnostics: Diagnostic[];

  beforeAll(async () => {
    project = await createProject(Object.fromEntries(cases.map(({ file, source }) => [file, source])));
    result = await project.run(["validate", "policies", "--target", "vic", "--format", "json"]);
    diagnostics = (JSON.parse(result.stdout) as { diagnostics: Diagnostic[] }).diagnostics;
  });

  it.each(cases)("$title", ({ row, file, source }) => {
    const actual = diagnostics.filter((diagnostic) => diagnostic.file === file);
    const key = (d: { code: string; at: string }): string => `${d.at} ${d.code}`;
    expect(actual.map((d) => ({ code: d.code, severity: d.severity, at: `${d.file}:${d.line}:${d.column}` })).sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      row.expected
        .map((e) => ({ code: e.code, severity: e.severity, at: positionOf(file, source, e.at, e.occurrence) }))
        .sort((a, b) => key(a).localeCompare(key(b))),
    );
    for (const expected of row.expected) {
      const match = actual.find((d) => d.code === expected.code && `${d.file}:${d.line}:${d.column}` === positionOf(file, source, expected.at, expected.occurrence));
      expect(match?.message).toContain(expected.says);
      expect(match?.hint, `${expected.code} has a hint`).toBeTruthy();
    }
  });

  it("fails the run on the errors and reports every problem in one pass", () => {
    expect(result.status).toBe(1);
    expect(diagnostics.length).toBe(cases.reduce((total, { row }) => total + row.expected.length, 0));
  });
});
