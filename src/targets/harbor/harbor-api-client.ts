/** A request Harbor refused or could not answer: its method, URL, status and Harbor's error text. */
export class HarborApiError extends Error {
  readonly status: number | undefined;

  constructor(method: string, url: string, detail: string, status?: number) {
    super(`${method} ${url}: ${detail}`);
    this.name = "HarborApiError";
    this.status = status;
  }
}

export interface HarborCredentials {
  readonly username: string;
  readonly password: string;
}

/** Statuses worth another try: Harbor busy, a proxy in front of it failing, rate limits. */
const retried = new Set([429, 500, 502, 503, 504]);

/**
 * A small client for Harbor's REST API v2.0: Basic auth (no cookie jar, so Harbor never asks for a
 * CSRF token), JSON bodies, Harbor's `{errors: [{code, message}]}` read into the error, pages of
 * 100 followed to the end, and retries with back-off on 429, 5xx and unreachable hosts.
 */
export class HarborApiClient {
  readonly #base: string;
  readonly #authorization: string;
  readonly #delaysMs: readonly number[];

  /** `api` is the Harbor URL (`https://harbor.myco.com`); the API lives under /api/v2.0. */
  constructor(api: string, credentials: HarborCredentials, options: { readonly delaysMs?: readonly number[] } = {}) {
    this.#base = `${api.replace(/\/+$/, "")}/api/v2.0`;
    this.#authorization = basic(credentials);
    this.#delaysMs = options.delaysMs ?? [250, 1000, 3000];
  }

  url(path: string): string {
    return `${this.#base}${path}`;
  }

  async get<T>(path: string, headers: Readonly<Record<string, string>> = {}): Promise<T> {
    return (await this.#request("GET", path, undefined, headers)).body as T;
  }

  /** Every item of a listing, page after page (`page_size` 100, Harbor's maximum). */
  async list<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    for (let page = 1; ; page++) {
      const separator = path.includes("?") ? "&" : "?";
      const { body, total } = await this.#request("GET", `${path}${separator}page=${page}&page_size=100`);
      const batch = Array.isArray(body) ? (body as T[]) : [];
      items.push(...batch);
      if (batch.length < 100 || (total !== undefined && items.length >= total)) return items;
    }
  }

  /** Sends a change; resolves to Harbor's answer (e.g. `RobotCreated`), undefined when it had no body. */
  async send<T = unknown>(method: "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown, headers: Readonly<Record<string, string>> = {}): Promise<T | undefined> {
    return (await this.#request(method, path, body, headers)).body as T | undefined;
  }

  /**
   * Whether `username`/`password` log in where a container runtime does: Harbor's token service
   * (`/service/token`, outside the REST API) answers 200 to valid credentials and 401 otherwise.
   */
  async logsIn(username: string, password: string, scope: string): Promise<boolean> {
    const query = new URLSearchParams({ service: "harbor-registry", scope }).toString();
    const url = `${this.#base.slice(0, -"/api/v2.0".length)}/service/token?${query}`;
    try {
      await this.#request("GET", url, undefined, { Authorization: basic({ username, password }) });
      return true;
    } catch (error) {
      if (error instanceof HarborApiError && error.status === 401) return false;
      throw error;
    }
  }

  /** `path` is under /api/v2.0, or a full URL of the same Harbor. */
  async #request(method: string, path: string, body?: unknown, headers: Readonly<Record<string, string>> = {}): Promise<{ body: unknown; total: number | undefined }> {
    const url = path.startsWith("/") ? this.url(path) : path;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: { Authorization: this.#authorization, Accept: "application/json", ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          redirect: "error",
          signal: AbortSignal.timeout(30_000),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        if (attempt < this.#delaysMs.length) {
          await sleep(this.#delaysMs[attempt] ?? 0);
          continue;
        }
        throw new HarborApiError(method, url, `cannot reach Harbor (${cause?.code ?? cause?.message ?? (error as Error).message})${tries(attempt)}`);
      }
      const text = await response.text();
      if (response.ok) {
        const total = response.headers.get("x-total-count");
        return { body: text === "" ? undefined : (JSON.parse(text) as unknown), total: total === null ? undefined : Number(total) };
      }
      if (retried.has(response.status) && attempt < this.#delaysMs.length) {
        await sleep(this.#delaysMs[attempt] ?? 0);
        continue;
      }
      throw new HarborApiError(method, url, `HTTP ${response.status}: ${harborMessage(text)}${tries(attempt)}`, response.status);
    }
  }
}

function harborMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const first = parsed.errors?.[0];
    if (first !== undefined) return `${first.code ?? "ERROR"} ${first.message ?? ""}`.trim();
  } catch {
    // Not Harbor's JSON (a proxy's page): say how long it was, not what it said.
  }
  return text.length === 0 ? "no body" : `${text.length} bytes that are not Harbor's error JSON`;
}

function basic({ username, password }: HarborCredentials): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}

const tries = (attempt: number): string => (attempt === 0 ? "" : ` (gave up after ${attempt + 1} attempts)`);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
