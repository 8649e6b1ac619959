import path from "node:path";
import { Node, Project } from "ts-morph";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * Every symbol a policy can import carries a JSDoc with an `@example`, so the editor shows how to
 * use it where it is used.
 */
describe("the DSL's documentation", () => {
  it("gives every exported symbol a JSDoc with an @example", () => {
    const project = new Project({ tsConfigFilePath: path.join(root, "tsconfig.json"), skipAddingFilesFromTsConfig: true });
    const index = project.addSourceFileAtPath(path.join(root, "src/index.ts"));
    project.resolveSourceFileDependencies();
    const missing: string[] = [];
    for (const [name, declarations] of index.getExportedDeclarations()) {
      for (const declaration of declarations) {
        const documented = Node.isJSDocable(declaration) ? declaration.getJsDocs() : [];
        const hasExample = documented.some((doc) => doc.getTags().some((tag) => tag.getTagName() === "example"));
        if (!hasExample) missing.push(`${name} (${path.relative(root, declaration.getSourceFile().getFilePath())})`);
      }
    }
    expect(missing).toEqual([]);
  });
});
