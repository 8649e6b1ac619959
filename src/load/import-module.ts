/**
 * `import(url)`. The one-file CLI runs as a script compiled with a V8 code cache, where Node
 * cannot give `import()` its loader; bin/regfence.js, an ES module, lends its own under this key.
 */
const lentImport = Symbol.for("regfence.import");

export function importModule(url: string): Promise<unknown> {
  const lent = (globalThis as { [lentImport]?: (url: string) => Promise<unknown> })[lentImport];
  return lent === undefined ? import(url) : lent(url);
}
