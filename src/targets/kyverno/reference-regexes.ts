/**
 * The image reference grammar of `src/ir/docker-reference.ts`, restated as regular expressions
 * that Kyverno can evaluate at admission: Go RE2 for `regex_match` in ClusterPolicies, CEL
 * `matches` in the CEL policies. Only constructs RE2 and JavaScript read alike are used (no
 * lookarounds or backreferences; `\w` is ASCII in both), and no `'` or `\\` appears, so the
 * sources can sit in single-quoted JMESPath raw strings unchanged.
 *
 * A reference is valid exactly when it matches {@link grammar} and {@link pathLengthOk}, and
 * matches neither {@link hubNameTooLong} nor {@link imageId}; a property test holds this equal to
 * `parseImageReference(...).ok`.
 */

/** A path component: lowercase alphanumerics joined by `.`, `_`, `__` or runs of `-`. */
const component = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
/** A first component Docker cannot read as a host: no `.` separator. */
const componentWithoutDot = "[a-z0-9]+(?:(?:_|__|-+)[a-z0-9]+)*";
const domainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const hostAndPort = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const tag = "[\\w][\\w.-]{0,127}";
const digest = "(?:sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})";
/** A tag and a digest, each optional; neither contains `/`. */
const tagAndDigest = `(?::${tag})?(?:@${digest})?`;

/**
 * The shape of a reference: a host then a path, a single-component Docker Hub name, or a
 * multi-component Docker Hub path whose first component has no `.` (one with a `.` is a host).
 */
export const grammar = `^(?:${hostAndPort}/${component}(?:/${component})*|${component}|${componentWithoutDot}(?:/${component})+)${tagAndDigest}$`;

/** A first component Docker reads as a registry host: it has `.`, `:` or an uppercase letter, or is `localhost`. */
const hostLike = "(?:[^/]*[.:A-Z][^/]*|localhost)";

/** The repository path, read after any host, is at most 255 characters. */
export const pathLengthOk = `^(?:${hostLike}/)?[^:@]{1,255}(?:[:@][^/]*)?$`;

/** A single-component Docker Hub name longer than 247: with the implied `library/` Docker stores more than 255. */
export const hubNameTooLong = "^(?:(?:docker\\.io|index\\.docker\\.io)/)?[^/:@]{248,}(?:[:@][^/]*)?$";

/** A bare image ID, which Docker refuses as a repository name. */
export const imageId = "^[a-f0-9]{64}$";

/** A multi-component image on Docker Hub with the host left out: the first component is no host. */
export const impliedDockerHubPath = "^[a-z0-9_-]+/";

/** `localhost/…` looks like a Docker Hub namespace to {@link impliedDockerHubPath} but is a host. */
export const localhostPrefix = "^localhost/";

/** A regex matching `text` literally: every metacharacter escaped (host names: `.`, `[`, `]`). */
export function literal(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&");
}

/** `^(?:a|b)/`: the image is on one of these hosts (exactly, never a look-alike). */
export function onHosts(hosts: readonly string[]): string {
  return `^(?:${hosts.map(literal).join("|")})/`;
}
