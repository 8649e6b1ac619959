/** The package root is the policy DSL: `import { definePolicy, network } from "regfence"`. */
export * from "./dsl/index.js";
