import path from "node:path";
import { parseAllDocuments } from "yaml";
import type { KyvernoPolicyType } from "../../../src/targets/kyverno/kyverno-options.ts";
import type { ProgramNode } from "../../../src/ir/model.ts";
import type * as ConfigModule from "../../../src/config/load-config.ts";
import type * as PipelineModule from "../../../src/pipeline/run-pipeline.ts";
import { repoRoot } from "../../helpers/run-cli.ts";

// Loading policies bundles them against the built DSL, so the pipeline runs from dist/ (`npm run build`).
const { loadConfig } = (await import(path.join(repoRoot, "dist/config/load-config.js"))) as typeof ConfigModule;
const { runPipeline } = (await import(path.join(repoRoot, "dist/pipeline/run-pipeline.js"))) as typeof PipelineModule;

export interface CompiledKyverno {
  readonly program: ProgramNode;
  /** Warnings and infos of validation and emission (errors make the compile throw). */
  readonly diagnostics: readonly { readonly code: string; readonly severity: string; readonly message: string; readonly hint?: string }[];
  /** Emitted path → its parsed documents. */
  readonly files: ReadonlyMap<string, Record<string, unknown>[]>;
  /** The compile summary's lines for the operator. */
  readonly notes: readonly string[];
}

/** Compiles policy files (relative to the repository) with only the kyverno target, as `regfence compile` would; `cliTest` writes the Kyverno CLI test too. */
export async function compileKyverno(files: readonly string[], policyType: KyvernoPolicyType, cwd = repoRoot, cliTest = false): Promise<CompiledKyverno> {
  const config = await loadConfig(cwd, undefined);
  const result = await runPipeline({
    cwd,
    config: { ...config, targetOptions: { ...config.targetOptions, kyverno: { policyType, cliTest } } },
    paths: files.map((file) => path.resolve(cwd, file)),
    targets: ["kyverno"],
    typeCheck: false,
    emit: true,
    secrets: false,
  });
  const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === "error");
  if (errors.length > 0 || result.program === undefined) throw new Error(`compile failed: ${JSON.stringify(errors)}`);
  const artifacts = result.outputs.flatMap((output) => output.artifacts);
  return {
    program: result.program,
    diagnostics: result.diagnostics,
    notes: result.notes,
    files: new Map(artifacts.map((artifact) => [artifact.path, parseAllDocuments(artifact.content).flatMap((document) => [document.toJS() as Record<string, unknown>])])),
  };
}

/** Every emitted Kyverno document, all policies together, as `kubectl apply -f out/kubernetes/kyverno/` installs them. */
export function kyvernoDocuments(compiled: CompiledKyverno): Record<string, unknown>[] {
  return [...compiled.files.entries()].filter(([file]) => file.startsWith("kubernetes/kyverno/")).flatMap(([, documents]) => documents);
}

/** A Pod running `image` in all three container lists (those given). */
export function podWith(image: string, lists: readonly ("containers" | "initContainers" | "ephemeralContainers")[] = ["containers", "initContainers", "ephemeralContainers"]) {
  const names = { containers: "app", initContainers: "init", ephemeralContainers: "debug" };
  const spec: Record<string, unknown> = {};
  for (const list of lists) spec[list] = [{ name: names[list], image }];
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec };
}
