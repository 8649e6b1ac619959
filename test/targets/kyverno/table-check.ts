import type { AdmissionOutcome, AdmissionRequest } from "./kyverno-engine.ts";
import { podWith } from "./compile-example.ts";
import { conformanceTable } from "./conformance-table.ts";

/** The Pod's images after admission, per list in order. */
export function imagesOf(outcome: AdmissionOutcome): string[] {
  const spec = outcome.object["spec"] as Record<string, { image: string }[]>;
  return ["containers", "initContainers", "ephemeralContainers"].flatMap((list) => (spec[list] ?? []).map((container) => container.image));
}

/** Images whose outcome under `admit` disagrees with the conformance table. */
export function disagreements(admit: (request: AdmissionRequest) => AdmissionOutcome): string[] {
  return conformanceTable
    .filter(({ image, rewritten, admitted }) => {
      const outcome = admit({ operation: "CREATE", namespace: "default", object: podWith(image) });
      return outcome.admitted !== admitted || imagesOf(outcome).some((result) => result !== rewritten);
    })
    .map(({ image }) => image);
}
