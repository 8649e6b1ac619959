import { compareIpBlocks } from "../ir/ip-block.js";
import type { IpRuleNode } from "../ir/model.js";

/**
 * Every block once, in address order, so an emitted list changes only when the policy does.
 * When several rules name one block, the first in the policy's reference order wins (its
 * description is the one emitted): the author decides by ordering the networks, and the core
 * already warns about the repeat (RF2003/RF2004). Firewalls count each entry against their quota.
 */
export function uniqueBlocks(rules: readonly IpRuleNode[]): IpRuleNode[] {
  const byCidr = new Map<string, IpRuleNode>();
  for (const rule of rules) if (!byCidr.has(rule.block.cidr)) byCidr.set(rule.block.cidr, rule);
  return [...byCidr.values()].sort((a, b) => compareIpBlocks(a.block, b.block));
}
