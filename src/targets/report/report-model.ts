import path from "node:path";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import { compareText } from "../../diagnostics/diagnostic.js";
import type { SourceAnchor } from "../../diagnostics/source-anchor.js";
import type { PolicyNode, ProgramNode } from "../../ir/model.js";
import { explainImage, hasImageRules, probeImage, registryProbes } from "../kyverno/explain-image.js";
import { endpointsOf } from "../network-access.js";
import { nodePulls } from "../nodes/node-pull.js";

/** A link back to where a policy says something: `policies/registries.policy.ts:12`. */
export interface SourceLink {
  readonly text: string;
  /** Relative to the report's directory, `#L<line>` as code hosts show lines. */
  readonly href: string;
}

export interface Endpoint {
  readonly label: string;
  /** The policy that declares it. */
  readonly policy: string;
  readonly kind: string;
  readonly link: SourceLink;
}

/** A matrix cell: whether the row's network reaches the column's endpoint, in words (never colour alone). */
export interface Cell {
  readonly state: "reaches" | "no" | "everyone" | "no-one";
  /** The mark drawn beside the words. */
  readonly icon: "yes" | "no" | "all";
  readonly text: string;
  readonly link: SourceLink | undefined;
}

/** Beyond this many cells the matrix is mostly "no": the report lists, per endpoint, who reaches it. */
export const maxMatrixCells = 2_500;

export interface ReportModel {
  readonly endpoints: readonly Endpoint[];
  /** The matrix rows, when it is small enough to read (else empty, and `reachedBy` says the same). */
  readonly rows: readonly { readonly network: string; readonly policy: string; readonly link: SourceLink; readonly cells: readonly Cell[] }[];
  /** Per endpoint, the networks that reach it (or everyone / no one): the matrix without its "no" cells. */
  readonly reachedBy: readonly { readonly endpoint: Endpoint; readonly open: Cell | undefined; readonly networks: readonly { readonly network: string; readonly policy: string; readonly link: SourceLink | undefined }[] }[];
  readonly matrix: boolean;
  readonly routes: readonly { readonly policy: string; readonly registry: string; readonly image: string; readonly rewritten: string; readonly admitted: boolean; readonly reason: string; readonly link: SourceLink }[];
  readonly nodes: readonly { readonly runtime: string; readonly image: string; readonly pull: string }[];
  readonly warnings: readonly { readonly code: string; readonly severity: string; readonly message: string; readonly link: SourceLink }[];
  readonly counts: { readonly policies: number; readonly networks: number; readonly endpoints: number; readonly routes: number; readonly warnings: number };
}

const icons: Readonly<Record<Cell["state"], Cell["icon"]>> = { reaches: "yes", everyone: "all", no: "no", "no-one": "no" };
const withIcon = (cell: Omit<Cell, "icon">): Cell => ({ ...cell, icon: icons[cell.state] });

/** Links relative to the report's directory; project-relative files when the out dir is unknown (out/report). */
function linker(workspace: { readonly outDir: string; readonly projectRoot: string } | undefined): (file: string, line: number) => SourceLink {
  const up = workspace === undefined ? "../.." : path.relative(path.join(workspace.outDir, "report"), workspace.projectRoot).split(path.sep).join("/") || ".";
  return (file, line) => ({ text: `${file}${line > 0 ? `:${line}` : ""}`, href: encodeURI(`${up}/${file}`) + (line > 0 ? `#L${line}` : "") });
}

/**
 * What the report shows, from the IR: every network against every endpoint it could reach (OVH
 * management and registry, each ACR, each VCH pulling from it), the image route of every upstream
 * and allowed registry, the node mirrors' pulls, and every warning, each linked to its policy line.
 */
export function reportModel(program: ProgramNode, workspace: { readonly outDir: string; readonly projectRoot: string; readonly cwd: string } | undefined, diagnostics: readonly Diagnostic[]): ReportModel {
  const link = linker(workspace);
  // Anchors name files relative to the working directory; links go from the project root.
  const projectFile = (file: string) => (workspace === undefined ? file : path.relative(workspace.projectRoot, path.resolve(workspace.cwd, file)).split(path.sep).join("/"));
  const at = (source: SourceAnchor) => link(projectFile(source.file), source.line);
  const endpoints: Endpoint[] = [];
  /** For each endpoint, the cell of a network (policy, name). */
  const columns: ((policy: PolicyNode, network: string) => Omit<Cell, "icon">)[] = [];
  for (const policy of program.policies) {
    for (const registry of policy.registries) {
      for (const { part, access, source } of endpointsOf(registry)) {
        const kind = part === undefined ? "Azure Container Registry" : part === "management" ? "OVH management: Harbor UI, API" : "OVH registry: docker, helm";
        endpoints.push({ label: part === undefined ? registry.name : `${registry.name} ${part}`, policy: policy.name, kind, link: at(source) });
        columns.push((owner, network) => {
          if (access.kind === "everyone") return { state: "everyone", text: "open to everyone", link: at(source) };
          if (access.kind === "no-one") return { state: "no-one", text: "public access off", link: at(source) };
          const reached = owner === policy && access.rules.some((rule) => rule.network === network);
          return reached ? { state: "reaches", text: "reaches", link: at(source) } : { state: "no", text: "no", link: undefined };
        });
      }
    }
    for (const host of policy.containerHosts) {
      endpoints.push({ label: host.name, policy: policy.name, kind: "VCH pulls from", link: at(host.source) });
      columns.push((owner, network) => {
        const entry = [...host.whitelist, ...host.insecureRegistries].find((candidate) => candidate.network === network && owner === policy);
        if (entry !== undefined) return { state: "reaches", text: "pulls from it", link: at(entry.source) };
        return host.whitelist.length === 0 ? { state: "everyone", text: "any registry", link: at(host.source) } : { state: "no", text: "no", link: undefined };
      });
    }
  }
  const networks = program.policies
    .flatMap((policy) => policy.networks.map((network) => ({ policy, network })))
    .sort((a, b) => compareText(a.network.name, b.network.name) || compareText(a.policy.name, b.policy.name));
  const matrix = networks.length * columns.length <= maxMatrixCells;
  const rows = matrix
    ? networks.map(({ policy, network }) => ({ network: network.name, policy: policy.name, link: at(network.source), cells: columns.map((column) => withIcon(column(policy, network.name))) }))
    : [];
  // Each endpoint's column is asked only of the networks of its own policy, where its references live.
  const reachedBy = endpoints.map((endpoint, index) => {
    const column = columns[index] ?? (() => ({ state: "no" as const, text: "no", link: undefined }));
    const cells = networks.filter(({ policy }) => policy.name === endpoint.policy).map(({ policy, network }) => ({ policy, network, cell: column(policy, network.name) }));
    const open = cells.find(({ cell }) => cell.state === "everyone" || cell.state === "no-one")?.cell;
    return {
      endpoint,
      open: open === undefined ? undefined : withIcon(open),
      networks: open === undefined ? cells.filter(({ cell }) => cell.state === "reaches").map(({ policy, network, cell }) => ({ network: network.name, policy: policy.name, link: cell.link })) : [],
    };
  });

  const imagePolicies = program.policies.filter(hasImageRules);
  const routes = program.policies.flatMap((policy) =>
    registryProbes(policy).map(({ registry, image, source }) => {
      const decision = explainImage(imagePolicies, image);
      return { policy: policy.name, registry, image, rewritten: decision.rewritten, admitted: decision.admitted, reason: decision.reason, link: at(source) };
    }),
  );
  const proxies = program.policies.flatMap((policy) => (policy.proxyCache === null ? [] : [policy.proxyCache]));
  const nodes = proxies.flatMap((proxy) =>
    proxy.upstreams.flatMap((upstream) => {
      const image = probeImage(upstream.registry);
      return Object.entries(nodePulls(proxies, image) ?? {}).map(([runtime, pull]) => ({ runtime, image, pull }));
    }),
  );
  const warnings = diagnostics
    .filter(({ severity }) => severity !== "error")
    .map((diagnostic) => {
      return { code: diagnostic.code, severity: diagnostic.severity, message: diagnostic.message, link: link(projectFile(diagnostic.file), diagnostic.line) };
    });
  return {
    endpoints,
    rows,
    reachedBy,
    matrix,
    routes,
    nodes,
    warnings,
    counts: { policies: program.policies.length, networks: networks.length, endpoints: endpoints.length, routes: routes.length, warnings: warnings.length },
  };
}
