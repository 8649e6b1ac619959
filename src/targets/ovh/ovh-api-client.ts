import { createHash } from "node:crypto";

/** Application credentials, named as OVH's own clients read them from the environment. */
export interface OvhCredentials {
  readonly applicationKey: string;
  readonly applicationSecret: string;
  readonly consumerKey: string;
}

/**
 * OVH's request signature: `"$1$" + hex(sha1(AS+"+"+CK+"+"+METHOD+"+"+URL+"+"+BODY+"+"+TIMESTAMP))`,
 * computed exactly as node-ovh's `signRequest` and go-ovh do.
 */
export function signRequest(credentials: Omit<OvhCredentials, "applicationKey">, method: string, url: string, body: string, timestamp: number): string {
  const text = [credentials.applicationSecret, credentials.consumerKey, method, url, body, String(timestamp)].join("+");
  return `$1$${createHash("sha1").update(text).digest("hex")}`;
}

/**
 * The request body as node-ovh sends it: JSON with every non-ASCII character escaped, so the bytes
 * sent and the text signed cannot differ by encoding.
 */
export function serialiseBody(value: unknown): string {
  return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A request that did not succeed: unreachable, refused with an HTTP error, or answered with something unreadable. */
export class OvhApiError extends Error {
  readonly method: string;
  readonly url: string;
  readonly kind: "network" | "http" | "response";
  /** The HTTP status, when the server answered. */
  readonly status: number | undefined;
  /** OVH's `errorCode` (e.g. `INVALID_SIGNATURE`), when the error body has one. */
  readonly errorCode: string | undefined;

  constructor(init: { method: string; url: string; kind: OvhApiError["kind"]; status?: number; errorCode?: string; detail: string }) {
    super(`${init.method} ${init.url}: ${init.detail}`);
    this.name = "OvhApiError";
    this.method = init.method;
    this.url = init.url;
    this.kind = init.kind;
    this.status = init.status;
    this.errorCode = init.errorCode;
  }
}

/**
 * A minimal signed client for the OVH API, on `fetch`. node-ovh cannot serve here: it speaks
 * https only (no http for a local server, no agent for a proxy or CA), signs `https://host+path`
 * without the port, sends no body for an empty array (so a list declared open could not be PUT),
 * and reports network failures as a bare errno.
 */
export class OvhApiClient {
  readonly #base: string;
  readonly #credentials: OvhCredentials;
  readonly #timeoutMs: number;
  /**
   * Server time minus local time, read once from `/auth/time` as OVH's clients do. Only a success
   * is kept: after a failure the next request asks again, so one transient error does not fail
   * every later registry on this endpoint.
   */
  #timeDelta: Promise<number> | undefined;

  /** `base` is the API root including its version path, e.g. `https://eu.api.ovh.com/1.0`. */
  constructor(base: string, credentials: OvhCredentials, options: { readonly timeoutMs?: number } = {}) {
    this.#base = base;
    this.#credentials = credentials;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /**
   * The full URL of an API path: what is requested, signed and named in errors. A path with a `.`
   * or `..` segment is refused: URL normalisation would resolve it away, and the request would
   * reach, and be signed for, another path than the one asked for.
   */
  url(path: string): string {
    const segment = dotSegment(path);
    if (segment !== undefined) throw new Error(`refusing the API path ${JSON.stringify(path)}: its segment ${JSON.stringify(segment)} would be resolved away`);
    return new URL(`${this.#base}${path}`).href;
  }

  get(path: string): Promise<unknown> {
    return this.#signed("GET", path, "");
  }

  /** Sends `value` as the body, even an empty array. */
  put(path: string, value: unknown): Promise<unknown> {
    return this.#signed("PUT", path, serialiseBody(value));
  }

  async #signed(method: string, path: string, body: string): Promise<unknown> {
    const url = this.url(path);
    const timestamp = Math.round(Date.now() / 1000) + (await this.#serverTimeDelta());
    const headers: Record<string, string> = {
      Accept: "application/json",
      "X-Ovh-Application": this.#credentials.applicationKey,
      "X-Ovh-Consumer": this.#credentials.consumerKey,
      "X-Ovh-Timestamp": String(timestamp),
      "X-Ovh-Signature": signRequest(this.#credentials, method, url, body, timestamp),
    };
    if (body !== "") headers["Content-Type"] = "application/json;charset=utf-8";
    return this.#send(method, url, headers, body === "" ? undefined : body);
  }

  #serverTimeDelta(): Promise<number> {
    this.#timeDelta ??= this.#readTimeDelta().catch((error: unknown) => {
      this.#timeDelta = undefined;
      throw error;
    });
    return this.#timeDelta;
  }

  async #readTimeDelta(): Promise<number> {
    const url = this.url("/auth/time");
    const time = await this.#send("GET", url, { Accept: "application/json" }, undefined);
    if (typeof time !== "number" || !Number.isFinite(time)) {
      throw new OvhApiError({ method: "GET", url, kind: "response", detail: `expected the server time in seconds, got ${JSON.stringify(time)}` });
    }
    return time - Math.round(Date.now() / 1000);
  }

  async #send(method: string, url: string, headers: Record<string, string>, body: string | undefined): Promise<unknown> {
    let status: number;
    let text: string;
    try {
      // A redirect would change the signed URL: it is reported, never followed.
      const response = await fetch(url, { method, headers, body, redirect: "manual", signal: AbortSignal.timeout(this.#timeoutMs) });
      status = response.status;
      text = await response.text();
    } catch (error) {
      throw new OvhApiError({ method, url, kind: "network", detail: `cannot reach the API (${networkReason(error, this.#timeoutMs)})` });
    }
    let value: unknown = null;
    if (text.trim() !== "") {
      try {
        value = JSON.parse(text);
      } catch {
        throw new OvhApiError({ method, url, kind: "response", status, detail: `HTTP ${status} with a body that is not JSON` });
      }
    }
    if (status < 200 || status > 299) {
      const { message, errorCode } = errorBody(value);
      throw new OvhApiError({ method, url, kind: "http", status, ...(errorCode === undefined ? {} : { errorCode }), detail: `HTTP ${status}${message === undefined ? "" : `: ${message}`}` });
    }
    return value;
  }
}

/**
 * The first segment of `path` that the URL parser treats as `.` or `..`, as it reads it: tabs and
 * line breaks are dropped, `%2e` is a dot, a backslash separates segments like `/`, and the path
 * ends at `?` or `#`.
 */
function dotSegment(path: string): string | undefined {
  const pathPart = path.replace(/[\t\n\r]/g, "").replace(/[?#].*$/s, "");
  return pathPart.split(/[/\\]/).find((segment) => /^(?:\.|%2e){1,2}$/i.test(segment));
}

/** OVH errors are `{ "message": …, "errorCode"?: … }`. */
function errorBody(value: unknown): { message: string | undefined; errorCode: string | undefined } {
  if (typeof value !== "object" || value === null) return { message: undefined, errorCode: undefined };
  const { message, errorCode } = value as { message?: unknown; errorCode?: unknown };
  return { message: typeof message === "string" ? message : undefined, errorCode: typeof errorCode === "string" ? errorCode : undefined };
}

/** `fetch` hides the socket error in `cause` (an AggregateError when several addresses were tried). */
function networkReason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === "TimeoutError") return `no answer within ${timeoutMs / 1000} s`;
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof AggregateError && cause.errors.length > 0) {
    return [...new Set(cause.errors.map((inner: unknown) => (inner instanceof Error ? inner.message : String(inner))))].join("; ");
  }
  if (cause instanceof Error) return cause.message !== "" ? cause.message : ((cause as NodeJS.ErrnoException).code ?? cause.name);
  return error instanceof Error ? error.message : String(error);
}
