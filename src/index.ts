/**
 * The package root: the policy DSL (`import { definePolicy, network } from "regfence"`), and the
 * config's types for `regfence.config.ts`.
 */
export * from "./dsl/index.js";
export { defineConfig, type RegfenceConfig } from "./config/define-config.js";
export type { TargetName } from "./targets/all-targets.js";
export type { KyvernoPolicyType, KyvernoTargetOptions } from "./targets/kyverno/kyverno-options.js";
export type { OvhTargetOptions } from "./targets/ovh/ovh-options.js";
