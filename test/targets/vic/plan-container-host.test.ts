import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ContainerHostNode, RegistryAddressNode, RegistryCaNode } from "../../../src/ir/model.ts";
import { argumentWord } from "../../../src/targets/vic/flags-file.ts";
import { planContainerHost } from "../../../src/targets/vic/plan-container-host.ts";

const source = { file: "policies/hosts.policy.ts", line: 1, column: 1, path: [] };
const address = (text: string): RegistryAddressNode => ({ kind: "registry-address", address: text, network: null, source });
const ca = (file: string, registry: string | null = null): RegistryCaNode => ({ kind: "registry-ca", file, registry, source, registrySource: registry === null ? null : source });

function host(options: Partial<Pick<ContainerHostNode, "whitelist" | "insecureRegistries" | "registryCas" | "vicRegistries">>): ContainerHostNode {
  return { kind: "container-host", name: "vch1", whitelist: [], insecureRegistries: [], registryCas: [], vicRegistries: [], source, ...options };
}

const words = (node: ContainerHostNode): string[] => planContainerHost(node).plan.arguments.map(argumentWord);

describe("planContainerHost", () => {
  it("orders whitelist, insecure, CA; each group sorted and without repeats", () => {
    const node = host({
      whitelist: ["*.mycompany.com", "10.2.40.40:443", "10.2.2.1/24", "10.2.2.0/24"].map(address),
      insecureRegistries: ["192.168.100.207", "10.9.9.9:5000"].map(address),
      registryCas: [ca("/z/ca.crt"), ca("/a/ca.crt", "10.2.40.40:443"), ca("/a/ca.crt")],
    });
    expect(words(node)).toEqual([
      "--whitelist-registry=10.2.2.0/24",
      "--whitelist-registry=10.2.40.40:443",
      "--whitelist-registry=10.9.9.9:5000",
      "--whitelist-registry=192.168.100.207",
      "--whitelist-registry=*.mycompany.com",
      "--insecure-registry=10.9.9.9:5000",
      "--insecure-registry=192.168.100.207",
      "--registry-ca=/a/ca.crt",
      "--registry-ca=/z/ca.crt",
    ]);
  });

  it("leaves insecure registries out of the whitelist when there is none: no whitelist mode", () => {
    expect(planContainerHost(host({ insecureRegistries: [address("192.168.100.207")] })).plan).toEqual({
      name: "vch1",
      arguments: [{ flag: "--insecure-registry", value: "192.168.100.207" }],
    });
  });

  it.each([
    ["vch1", undefined],
    ["virtual-container_host-01234567", undefined],
    ["virtual-container_host-012345678", "it is 32 characters long, more than 31"],
    ["vch.prod", "it contains '.'"],
    ["virtual.container_host-012345678", "it is 32 characters long, more than 31 and it contains '.'"],
  ])("VCH name %j: %s", (name, problem) => {
    const findings = planContainerHost({ ...host({}), name }).findings;
    expect(findings.map(({ code, message, hint, at }) => ({ code, message, hint, path: at.path }))).toEqual(
      problem === undefined
        ? []
        : [
            {
              code: "RF6040",
              message: `vic-machine refuses the VCH name "${name}": ${problem}`,
              hint: "rename the container host (its name is the VCH's --name): at most 31 characters, without '.'",
              path: [0],
            },
          ],
    );
  });

  it("does not depend on the order the policy lists things in", () => {
    const whitelist = ["*.mycompany.com", "10.2.40.40:443", "10.2.2.1/24", "registry.example.com:5000", "[2001:db8::1]", "10.2.2.0/24"];
    const insecure = ["192.168.100.207", "build.example.com:5000", "10.2.40.40:443"];
    const cas = ["/etc/vic/b.crt", "/etc/vic/a.crt", "/etc/vic/a.crt"];
    const reference = words(host({ whitelist: whitelist.map(address), insecureRegistries: insecure.map(address), registryCas: cas.map((file) => ca(file)) }));
    const permutation = <T>(items: readonly T[]): fc.Arbitrary<T[]> => fc.shuffledSubarray([...items], { minLength: items.length });
    fc.assert(
      fc.property(permutation(whitelist), permutation(insecure), permutation(cas), (w, i, c) => {
        expect(words(host({ whitelist: w.map(address), insecureRegistries: i.map(address), registryCas: c.map((file) => ca(file)) }))).toEqual(reference);
      }),
    );
  });
});
