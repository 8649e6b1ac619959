/** A Kubernetes document as regfence emits it: the policy kinds of both policy types share this shape. */
export interface KubernetesDocument {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly labels: Record<string, string>; readonly annotations: Record<string, string> };
  readonly spec: Record<string, unknown>;
}

/** The Pod container lists; all three are rewritten and checked (`kubectl debug` adds ephemeral ones). */
export const containerLists = ["containers", "initContainers", "ephemeralContainers"] as const;

export type ContainerList = (typeof containerLists)[number];
