/**
 * Docker/OCI image references (`[domain/]path[:tag][@digest]`), parsed the way
 * the container runtimes do, so a policy judges the same registry and
 * repository that `docker pull` would actually contact.
 *
 * The grammar and its quirks follow github.com/distribution/reference
 * (`regexp.go`, `reference.go`, `normalize.go`) including its "normalised"
 * reading: the first path component is only a registry host when it contains
 * `.` or `:`, is `localhost`, or has an uppercase letter; otherwise the image
 * lives on Docker Hub. Two deliberate differences, both rejecting input Docker
 * would not be able to pull anyway: a first component that Docker reads as a
 * host must be a valid host (Docker silently falls back to a domain-less name),
 * and digests are checked against the algorithms Docker registers (sha256,
 * sha384, sha512) up front.
 */

export interface ImageReference {
  /** Registry host as written; `undefined` when implied (Docker Hub). */
  readonly domain: string | undefined;
  /** Repository path as written, without the `library/` prefix Docker Hub implies. */
  readonly path: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

export type ParseResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

// Grammar parts, named and composed as in distribution/reference's regexp.go.
const anyTimes = (re: string): string => `(?:${re})*`;
const optional = (re: string): string => `(?:${re})?`;
const anchored = (re: string): RegExp => new RegExp(`^${re}$`);

const ALPHANUMERIC = "[a-z0-9]+";
/** One `.`, one or two `_`, or any run of `-`: repeated dashes keep hostnames valid as names. */
const SEPARATOR = "(?:[._]|__|[-]+)";
const PATH_COMPONENT = ALPHANUMERIC + anyTimes(SEPARATOR + ALPHANUMERIC);
const REMOTE_NAME = PATH_COMPONENT + anyTimes("/" + PATH_COMPONENT);
const DOMAIN_NAME_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
/** A subset of DNS names (and dotted-decimal IPv4), kept for compatibility with existing image names. */
const DOMAIN_NAME = DOMAIN_NAME_COMPONENT + anyTimes("\\." + DOMAIN_NAME_COMPONENT);
/** Bracketed, without zone ids: a `%` or `/` inside would be ambiguous in a reference. */
const IPV6_ADDRESS = "\\[(?:[a-fA-F0-9:]+)\\]";
const HOST = `(?:${DOMAIN_NAME}|${IPV6_ADDRESS})`;
const DOMAIN_AND_PORT = HOST + optional(":[0-9]+");
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST_ALGORITHM_COMPONENT = "[A-Za-z][A-Za-z0-9]*";
const DIGEST_ALGORITHM = DIGEST_ALGORITHM_COMPONENT + anyTimes("[-_+.]" + DIGEST_ALGORITHM_COMPONENT);
const DIGEST = `${DIGEST_ALGORITHM}:[0-9a-fA-F]{32,}`;
/** A bare image ID; Docker refuses it as a name so it cannot be mistaken for one. */
const IDENTIFIER = "[a-f0-9]{64}";

const ANCHORED_REMOTE_NAME = anchored(REMOTE_NAME);
const ANCHORED_DOMAIN = anchored(DOMAIN_AND_PORT);
const ANCHORED_TAG = anchored(TAG);
const ANCHORED_DIGEST = anchored(DIGEST);
const ANCHORED_IDENTIFIER = anchored(IDENTIFIER);

const NAME_TOTAL_LENGTH_MAX = 255;
const DOCKER_HUB = "docker.io";
/** The legacy "Docker Index" name, which Docker canonicalises to {@link DOCKER_HUB}. */
const LEGACY_DOCKER_HUB = "index.docker.io";
const OFFICIAL_REPO_PREFIX = "library/";
/** Hex length per digest algorithm that Docker (via go-digest) can verify. */
const DIGEST_HEX_LENGTH: ReadonlyMap<string, number> = new Map([
  ["sha256", 64],
  ["sha384", 96],
  ["sha512", 128],
]);

/** Parses an image reference as written in a pod spec or `docker pull`. Never throws. */
export function parseImageReference(text: string): ParseResult<ImageReference> {
  if (text === "") return fail("reference is empty");
  if (ANCHORED_IDENTIFIER.test(text)) {
    return fail(`invalid reference format: ${quote(text)} is an image ID, not a repository name`);
  }

  const slash = text.indexOf("/");
  const first = text.slice(0, slash);
  const domain = slash >= 0 && looksLikeDomain(first) ? first : undefined;
  const rest = domain === undefined ? text : text.slice(slash + 1);
  // Neither the path nor a tag may contain `@`, and the path may not contain `:`,
  // so the first of each is where the next part starts.
  const at = rest.indexOf("@");
  const nameAndTag = at < 0 ? rest : rest.slice(0, at);
  const digest = at < 0 ? undefined : rest.slice(at + 1);
  const colon = nameAndTag.indexOf(":");
  const path = colon < 0 ? nameAndTag : nameAndTag.slice(0, colon);
  const tag = colon < 0 ? undefined : nameAndTag.slice(colon + 1);

  if (domain !== undefined && !isRegistryHost(domain)) {
    return fail(`invalid reference format: invalid registry host ${quote(domain)}`);
  }
  const pathError = checkPath(domain, path);
  if (pathError !== undefined) return fail(`invalid reference format: ${pathError}`);
  if (tag !== undefined) {
    const tagError = checkTag(tag);
    if (tagError !== undefined) return fail(`invalid tag ${quote(tag)}: ${tagError}`);
  }
  if (digest !== undefined) {
    const digestError = checkDigest(digest);
    if (digestError !== undefined) return fail(`invalid digest ${quote(digest)}: ${digestError}`);
  }
  return { ok: true, value: Object.freeze({ domain, path, tag, digest }) };
}

/** Whether `text` is a registry host (`host[:port]`, IPv6 in brackets) as the grammar allows. */
export function isRegistryHost(text: string): boolean {
  return ANCHORED_DOMAIN.test(text);
}

/**
 * Parses a registry, optionally narrowed to a repository path prefix, as
 * written in a policy (`harbor.myco.com/team-a`). The host must be one Docker
 * would read as a host: `team-a/app` means Docker Hub, so a prefix `team-a`
 * could never match anything and is rejected rather than silently inert.
 */
export function parseRegistryPrefix(
  text: string,
): ParseResult<{ readonly host: string; readonly path: string | undefined }> {
  if (text === "") return fail("registry prefix is empty");
  const invalid = (reason: string) => fail(`invalid registry prefix ${quote(text)}: ${reason}`);
  if (text.includes("@")) return invalid("a digest is not allowed here");

  const slash = text.indexOf("/");
  const host = slash < 0 ? text : text.slice(0, slash);
  const path = slash < 0 ? undefined : text.slice(slash + 1);
  if (host === "") return invalid("registry host is missing");
  if (!isRegistryHost(host)) return invalid(`${quote(host)} is not a valid registry host`);
  if (!looksLikeDomain(host)) {
    return invalid(
      `${quote(host)} would be read as a Docker Hub namespace; a registry host needs a "." or ":port", ` +
        `or must be "localhost" (for Docker Hub write "docker.io/${text}")`,
    );
  }
  if (path !== undefined) {
    if (path.includes(":")) return invalid("a tag is not allowed here");
    const pathError = checkPath(host, path);
    if (pathError !== undefined) return invalid(pathError);
  }
  return { ok: true, value: Object.freeze({ host, path }) };
}

/** Writes a reference back as `[domain/]path[:tag][@digest]`; the inverse of {@link parseImageReference}. */
export function formatImageReference(ref: ImageReference): string {
  return (
    (ref.domain === undefined ? "" : `${ref.domain}/`) +
    ref.path +
    (ref.tag === undefined ? "" : `:${ref.tag}`) +
    (ref.digest === undefined ? "" : `@${ref.digest}`)
  );
}

/** distribution's splitDockerDomain rule: anything else in first position is a Docker Hub namespace. */
function looksLikeDomain(component: string): boolean {
  return (
    component === "localhost" ||
    component.includes(".") ||
    component.includes(":") ||
    component.toLowerCase() !== component
  );
}

function checkPath(domain: string | undefined, path: string): string | undefined {
  if (path === "") return "repository name is empty";
  if (!ANCHORED_REMOTE_NAME.test(path)) {
    if (path.split("/").includes("")) return `repository name ${quote(path)} has an empty path component`;
    if (ANCHORED_REMOTE_NAME.test(path.toLowerCase())) return "repository name must be lowercase";
    return (
      `invalid repository name ${quote(path)}: path components are lowercase letters and digits, ` +
      `joined by ".", "_", "__" or dashes`
    );
  }
  // The limit applies to the path Docker stores, which for single-name
  // Docker Hub images includes the implied `library/`.
  const onDockerHub = domain === undefined || domain === DOCKER_HUB || domain === LEGACY_DOCKER_HUB;
  const storedLength = path.length + (onDockerHub && !path.includes("/") ? OFFICIAL_REPO_PREFIX.length : 0);
  if (storedLength > NAME_TOTAL_LENGTH_MAX) {
    return `repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`;
  }
  return undefined;
}

function checkTag(tag: string): string | undefined {
  if (ANCHORED_TAG.test(tag)) return undefined;
  if (tag === "") return "tag is empty";
  if (tag.length > 128) return "tag must not be more than 128 characters";
  return 'a tag is letters, digits, "_", "." and "-", and must not start with "." or "-"';
}

function checkDigest(digest: string): string | undefined {
  if (!ANCHORED_DIGEST.test(digest)) return 'expected "algorithm:hex" with at least 32 hex digits';
  const colon = digest.indexOf(":");
  const algorithm = digest.slice(0, colon);
  const encoded = digest.slice(colon + 1);
  const hexLength = DIGEST_HEX_LENGTH.get(algorithm);
  if (hexLength === undefined) {
    return `unsupported digest algorithm ${quote(algorithm)} (expected sha256, sha384 or sha512)`;
  }
  if (encoded.length !== hexLength || !/^[a-f0-9]+$/.test(encoded)) {
    return `${algorithm} needs exactly ${hexLength} lowercase hex digits`;
  }
  return undefined;
}

function fail(error: string): { readonly ok: false; readonly error: string } {
  return { ok: false, error };
}

/** Quotes user text for an error message, shortened so a huge input cannot flood the output. */
function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}
