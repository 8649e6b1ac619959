import type { Finding } from "../../diagnostics/finding.js";
import { Findings } from "../../diagnostics/finding.js";
import type { IpRuleNode, OvhRegistryNode, ProgramNode } from "../../ir/model.js";
import { fieldAnchor } from "../../ir/source-anchor.js";
import type { Emission, EmitContext, Target } from "../target.js";
import type { Artifact } from "../../output/artifact.js";
import { applyOvhTarget } from "./apply-ovh.js";
import { importOvh } from "./import-ovh.js";
import { ovhState } from "./plan-ovh.js";
import { ipRestrictions, ovhRegistries, registryEndpoint, restrictionLists, restrictionPath } from "./restriction-payloads.js";
import { type OvhTargetOptions, ovhOptions, type ResolvedOvhOptions } from "./ovh-options.js";

/** A Public Cloud project id (32 lowercase hex digits) and a registry id (a UUID), as OVH shows them. */
const projectId = /^[0-9a-f]{32}$/;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The two path segments are checked here rather than left to the API: a value such as `..` is
 * resolved away by URL normalisation, so the request would reach another path than the policy
 * names, and anything else malformed could only fail when `apply` runs.
 */
function validateIds(registry: OvhRegistryNode, findings: Findings): void {
  // An empty value is the core's RF2107.
  const { serviceName, registryId } = registry;
  if (serviceName.trim() !== "" && !projectId.test(serviceName)) {
    findings.error(
      "RF5003",
      fieldAnchor(registry, "serviceName"),
      `serviceName ${JSON.stringify(serviceName)} of OVH registry "${registry.name}" is not a Public Cloud project id (32 lowercase hexadecimal digits)`,
      "copy the project id from the OVHcloud Control Panel (shown under the project's name) or from GET /cloud/project",
    );
  }
  if (registryId.trim() !== "" && !uuid.test(registryId)) {
    findings.error(
      "RF5004",
      fieldAnchor(registry, "registryId"),
      `registryId ${JSON.stringify(registryId)} of OVH registry "${registry.name}" is not a registry id (a UUID such as 3f8e2d4c-9b1a-4c6e-8d2f-7a5b3c1e9f04)`,
      "copy the id from the registry's page in the Control Panel, or from GET /cloud/project/{serviceName}/containerRegistry",
    );
  }
}

/** The longest description regfence sends; OVH documents none, Harbor-backed stores keep short text. */
const maxDescription = 255;
const controlCharacter = /[\p{Cc}\u2028\u2029]/u;

/** A description goes to the API as is: no line break or control character, and a bounded length. */
function checkDescription(rule: IpRuleNode, findings: Findings): void {
  // The rule's anchor is its `cidr`; the description is its sibling.
  const at = { ...rule.source, path: [...rule.source.path.slice(0, -1), "description"] };
  if (controlCharacter.test(rule.description)) {
    findings.error("RF5005", at, `the description of ${rule.block.cidr} (network "${rule.network}") contains a line break or control character, which the OVH API stores garbled or refuses`, "write it on one line, in plain text");
  }
  if ([...rule.description].length > maxDescription) {
    findings.error("RF5006", at, `the description of ${rule.block.cidr} (network "${rule.network}") is ${[...rule.description].length} characters long; regfence sends OVH at most ${maxDescription}`, "shorten it");
  }
}

function validate(program: ProgramNode): readonly Finding[] {
  const findings = new Findings();
  const warned = new Set<IpRuleNode>();
  for (const registry of ovhRegistries(program)) {
    validateIds(registry, findings);
    for (const list of restrictionLists) {
      const access = registry[list];
      // An incomplete list is empty because of a problem reported already: saying RF5001 too would repeat it.
      if (!access.open && access.complete && access.rules.length === 0) {
        findings.error(
          "RF5001",
          access.source,
          `the ${list} list of OVH registry "${registry.name}" is empty, which OVH reads as "no restriction": anyone could reach it`,
          `list the networks allowed, or write \`${list}: "open"\` to leave the endpoint open on purpose`,
        );
      }
      for (const rule of access.rules) {
        // A network used by both lists is one place in the policy: say it once.
        if (warned.has(rule)) continue;
        warned.add(rule);
        checkDescription(rule, findings);
        if (rule.block.family === "ipv6") {
          findings.warning(
            "RF5002",
            rule.source,
            `${rule.block.cidr} is IPv6; OVH documents IP restrictions with IPv4 blocks only`,
            "check that the registry accepts it before relying on it",
          );
        }
      }
    }
  }
  return findings.all;
}

function emit(program: ProgramNode, context: EmitContext<ResolvedOvhOptions>): Emission {
  const artifacts: Artifact[] = [];
  for (const registry of ovhRegistries(program)) {
    const directory = `ovh/${registry.name}`;
    const calls = restrictionLists.map((list) => {
      const payload = ipRestrictions(registry[list]);
      artifacts.push({
        path: `${directory}/${list}.json`,
        content: context.render.render("ovh", "ip-restrictions.json", { registry, list, payload }),
        format: "json",
        expected: payload,
      });
      return { method: "PUT", path: restrictionPath(registry, list), body: `${list}.json`, entries: payload.length };
    });
    const plan = {
      registry: registry.name,
      endpoint: registryEndpoint(registry, context.options),
      serviceName: registry.serviceName,
      registryId: registry.registryId,
      calls,
    };
    artifacts.push({ path: `${directory}/plan.json`, content: context.render.render("ovh", "plan.json", { plan }), format: "json", expected: plan });
  }
  return { artifacts, findings: [], notes: artifacts.length > 0 ? ["ovh: IP restrictions take about 30 s to propagate after each PUT"] : [] };
}

/** OVHcloud Managed Private Registry IP restrictions: full-list payloads and the calls that apply them. */
export const ovhTarget: Target<"ovh", ResolvedOvhOptions, OvhTargetOptions> = {
  name: "ovh",
  options: ovhOptions,
  apply: applyOvhTarget,
  state: { ...ovhState, import: importOvh },
  outputRoots: () => ["ovh"],
  validate,
  emit,
};
