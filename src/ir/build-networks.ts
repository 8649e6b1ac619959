import type { Network, NetworkRef, Policy } from "../dsl/index.js";
import type { Findings } from "../diagnostics/finding.js";
import type { Anchoring } from "./anchoring.js";
import { blockContains, parseIpBlock } from "./ip-block.js";
import type { IpRuleNode, NetworkNode } from "./model.js";
import { fileNameProblem } from "./names.js";
import type { SourceAnchor } from "../diagnostics/source-anchor.js";

/**
 * The networks of one policy, by name: those listed in `networks` and those referenced by value.
 * Resolves references by name, so every place a network applies sees the same rules.
 */
export class NetworkTable {
  readonly #nodes = new Map<string, NetworkNode>();
  readonly #values = new Map<string, Network>();
  /** Names a string reference may use: only the policy's `networks`, whatever else is in use. */
  readonly #declared = new Set<string>();
  /** Overlaps across networks already reported, so a pair used in several lists warns once. */
  readonly #reported = new Set<string>();
  /** Networks with a rule already reported as invalid (left out of their rules). */
  readonly #incomplete = new Set<string>();
  readonly #anchors: Anchoring;
  readonly #findings: Findings;

  constructor(policy: Policy, anchors: Anchoring, findings: Findings) {
    this.#anchors = anchors;
    this.#findings = findings;
    for (const value of policy.networks ?? []) {
      this.#declared.add(value.name);
      this.#define(value);
    }
  }

  /** The rules of the networks `refs` names, checked as one list; `at` anchors the list. */
  resolve(refs: readonly NetworkRef[], root: unknown, path: readonly (string | number)[]): IpRuleNode[] {
    return this.resolveList(refs, root, path).rules;
  }

  /**
   * As {@link resolve}, and whether the list is complete: false when a reference or a rule of a
   * referenced network was already reported as wrong, so checks of the whole list (e.g. "empty")
   * would only repeat that report.
   */
  resolveList(refs: readonly NetworkRef[], root: unknown, path: readonly (string | number)[]): { rules: IpRuleNode[]; complete: boolean } {
    const rules: IpRuleNode[] = [];
    const listed = new Set<string>();
    let complete = true;
    refs.forEach((ref, index) => {
      const at = this.#anchors.at(root, [...path, index]);
      const node = typeof ref === "string" ? this.#lookup(ref, at) : this.#define(ref);
      if (node === undefined || this.#incomplete.has(node.name)) complete = false;
      if (node === undefined) return;
      if (listed.has(node.name)) {
        this.#findings.warning("RF2003", at, `network "${node.name}" is listed twice`, "remove the repeated reference");
        return;
      }
      listed.add(node.name);
      rules.push(...node.rules);
    });
    reportOverlaps(rules, this.#findings, (a, b) => this.#firstTimeAcrossNetworks(a, b));
    return { rules, complete };
  }

  /** Each network already reported its own overlaps; a pair across networks is reported once. */
  #firstTimeAcrossNetworks(a: IpRuleNode, b: IpRuleNode): boolean {
    const key = `${a.network}/${a.block.cidr} ${b.network}/${b.block.cidr}`;
    if (a.network === b.network || this.#reported.has(key)) return false;
    this.#reported.add(key);
    return true;
  }

  /** Whether `name` is one of the policy's declared networks. */
  declares(name: string): boolean {
    return this.#declared.has(name);
  }

  /** Registers a network used by value (e.g. in a whitelist) and returns its node. */
  use(value: Network): NetworkNode | undefined {
    return this.#define(value);
  }

  get nodes(): NetworkNode[] {
    return [...this.#nodes.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  #lookup(name: string, at: SourceAnchor): NetworkNode | undefined {
    const node = this.#declared.has(name) ? this.#nodes.get(name) : undefined;
    if (node === undefined) {
      const known = [...this.#declared].sort();
      this.#findings.error(
        "RF2103",
        at,
        `unknown network "${name}"`,
        known.length === 0
          ? "define it with network(…) and list it in the policy's `networks`, or reference the network value itself"
          : `networks listed in this policy's \`networks\`: ${known.join(", ")}`,
      );
    }
    return node;
  }

  #define(value: Network): NetworkNode | undefined {
    const existing = this.#values.get(value.name);
    if (existing !== undefined) {
      if (existing !== value) {
        this.#findings.error(
          "RF2102",
          this.#anchors.at(value, ["name"]),
          `network "${value.name}" is defined more than once`,
          "define each network once and reference that definition everywhere it applies",
        );
      }
      return this.#nodes.get(value.name);
    }
    this.#values.set(value.name, value);
    const source = this.#anchors.at(value);
    const problem = fileNameProblem(value.name);
    if (problem !== undefined) this.#findings.error("RF2101", this.#anchors.at(value, ["name"]), `invalid network name "${value.name}": ${problem}`);
    const rules: IpRuleNode[] = [];
    value.rules.forEach((rule, index) => {
      const at = this.#anchors.at(value, ["rules", index, "cidr"]);
      const parsed = parseIpBlock(rule.cidr);
      if (parsed.ok) {
        rules.push({ kind: "ip-rule", block: parsed.block, written: rule.cidr, description: rule.description, network: value.name, source: at });
      } else if (parsed.reason === "host-bits-set") {
        this.#incomplete.add(value.name);
        this.#findings.error("RF2002", at, `"${rule.cidr}" has host bits set`, `write the network address: "${parsed.networkCidr}"`);
      } else {
        this.#incomplete.add(value.name);
        this.#findings.error("RF2001", at, parsed.message);
      }
    });
    reportOverlaps(rules, this.#findings, () => true);
    const node: NetworkNode = { kind: "network", name: value.name, rules, source };
    this.#nodes.set(value.name, node);
    return node;
  }
}

/**
 * Warns about rules that repeat or fall inside another rule of the same list; `considered`
 * limits the pairs looked at (a registry's list only reports pairs across networks, since each
 * network already reported its own).
 */
function reportOverlaps(rules: readonly IpRuleNode[], findings: Findings, considered: (a: IpRuleNode, b: IpRuleNode) => boolean): void {
  rules.forEach((rule, index) => {
    for (const other of rules.slice(0, index)) {
      if (!considered(other, rule)) continue;
      if (other.block.cidr === rule.block.cidr) {
        findings.warning("RF2003", rule.source, `${rule.block.cidr} is listed twice (also in network "${other.network}")`, "remove one of them");
        return;
      }
      const [outer, inner] = blockContains(other.block, rule.block) ? [other, rule] : blockContains(rule.block, other.block) ? [rule, other] : [];
      if (outer !== undefined && inner !== undefined) {
        findings.warning(
          "RF2004",
          inner.source,
          `${inner.block.cidr} is already covered by ${outer.block.cidr} (network "${outer.network}")`,
          `remove ${inner.block.cidr}, or narrow ${outer.block.cidr}`,
        );
        return;
      }
    }
  });
}
