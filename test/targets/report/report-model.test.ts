/** The report's model from the IR, in process: the matrix while it is readable, per-endpoint lists beyond. */
import { describe, expect, it } from "vitest";
import { azureRegistry, definePolicy, network, ovhRegistry } from "../../../src/dsl/index.ts";
import { maxMatrixCells, reportModel } from "../../../src/targets/report/report-model.ts";
import { programOf } from "../../helpers/program.ts";

function registries(count: number) {
  return Array.from({ length: count }, (_, index) => {
    const office = network(`office-${index}`, [{ cidr: `10.${index}.0.0/16`, description: `office ${index}` }]);
    return definePolicy({
      name: `site-${index}`,
      networks: [office],
      registries: [
        ovhRegistry(`mpr-${index}`, { serviceName: "0123456789abcdef0123456789abcdef", registryId: "3f8e2d4c-9b1a-4c6e-8d2f-7a5b3c1e9f04", management: [office], registry: "open" }),
        azureRegistry(`acr${index}`, { resourceGroup: "rg", publicAccess: index % 2 === 0 ? "selected-networks" : "disabled", networks: [office] }),
      ],
    });
  });
}

describe("report model", () => {
  it("draws the matrix, cell by cell, while it is small", () => {
    const model = reportModel(programOf(...registries(2)).program, undefined, []);
    expect(model.matrix).toBe(true);
    // Registries by kind, then name, as every target orders them.
    expect(model.endpoints.map(({ label }) => label)).toEqual(["acr0", "mpr-0 management", "mpr-0 registry", "acr1", "mpr-1 management", "mpr-1 registry"]);
    expect(model.rows.map(({ network, cells }) => [network, cells.map(({ state }) => state)])).toEqual([
      ["office-0", ["reaches", "reaches", "everyone", "no-one", "no", "everyone"]],
      ["office-1", ["no", "no", "everyone", "no-one", "reaches", "everyone"]],
    ]);
  });

  it("lists, per endpoint, who reaches it once the matrix would be mostly empty", () => {
    const count = 40;
    const model = reportModel(programOf(...registries(count)).program, undefined, []);
    expect(count * 3 * count).toBeGreaterThan(maxMatrixCells);
    expect(model.matrix).toBe(false);
    expect(model.rows).toEqual([]);
    const entry = (label: string) => model.reachedBy.find(({ endpoint }) => endpoint.label === label);
    expect(entry("mpr-7 management")?.networks.map(({ network }) => network)).toEqual(["office-7"]);
    expect(entry("mpr-7 registry")?.open?.text).toBe("open to everyone");
    expect(entry("acr7")?.open?.text).toBe("public access off");
    expect(entry("acr8")?.networks.map(({ network }) => network)).toEqual(["office-8"]);
  });
});
