/**
 * Names of the rules (ClusterPolicy) and checks (CEL) regfence emits. `regfence explain` names the
 * same rule that decides in the cluster, so a denial message and an explanation read alike.
 */
export const ruleNames = {
  rewrite: "rewrite-images",
  pullSecret: "add-pull-secret",
  copyPullSecret: "copy-pull-secret",
  validReferences: "valid-references",
  allowedRegistries: "allowed-registries",
} as const;
