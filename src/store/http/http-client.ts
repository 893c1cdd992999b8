/**
 * One conversation with an optprov server: a request, retried with back-off while the network or
 * the server is briefly away, its answer read no further than a bound, and its coded refusals
 * turned back into the errors they were on the server (`server-refusal.ts`).
 *
 * What is retried: a connection refused, reset or timed out, and the answers 429, 502, 503 and 504
 * (a `Retry-After` of up to 5 s is honoured). Nothing else: a 4xx is the server's decision, and a
 * 500 may have done its work. A POST is retried too; its caller (`HttpStore.submit`) recognises
 * the duplicate a lost answer leaves behind.
 */
import type { z } from "zod";
import { OptprovError, RemoteError, StoreError, UsageError } from "../../errors.js";
import { refusalError } from "./server-refusal.js";

export interface HttpClientOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** The fetch used (the global one by default). */
  readonly fetch?: typeof fetch;
  /** How long one attempt may take, in ms (default 30,000). */
  readonly timeoutMs?: number;
  /** Attempts after the first (default 5), each after twice the pause before it. */
  readonly retries?: number;
  /** The first pause, in ms (default 50: 50, 100, 200, 400, 800, about 1.5 s in all). */
  readonly retryDelayMs?: number;
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly bytes: Uint8Array;
}

/** JSON answers are at most this long (a page of entries is at most 4 MiB of envelopes, in base64). */
export const MAX_JSON_BYTES = 16 * 1024 * 1024;
const RETRY_STATUS = new Set([429, 502, 503, 504]);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Why a server URL is unacceptable, or undefined.
 *
 * @example serverUrlProblem("ftp://example.org") // "expected an http:// or https:// URL, got a ftp: URL"
 */
export function serverUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "expected an http:// or https:// URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return `expected an http:// or https:// URL, got a ${url.protocol} URL`;
  // Settings files get committed and pasted into issues; credentials belong in a token.
  if (url.username !== "" || url.password !== "")
    return "expected a URL without a user name or password in it";
  if (url.search !== "" || url.hash !== "") return "expected a URL without a query or fragment";
  return undefined;
}

/** A network failure worth another try, as opposed to a bug or an abort by the caller. */
function transient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === "TimeoutError") return true;
  // undici: `TypeError: fetch failed` with the socket's error as cause; `terminated` mid-body.
  return err instanceof TypeError && (err.message === "fetch failed" || err.message === "terminated");
}

function causeText(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === "string") return cause.code;
  if (err instanceof Error && err.name === "TimeoutError") return "timed out";
  return err instanceof Error ? err.message : String(err);
}

export class HttpClient {
  /** The server's base URL, ending in `/`. */
  readonly base: URL;
  private readonly options: HttpClientOptions;
  private readonly doFetch: typeof fetch;

  /**
   * @example const client = new HttpClient("http://127.0.0.1:4850", { token: process.env.OPTPROV_TOKEN });
   */
  constructor(url: string, options: HttpClientOptions = {}) {
    const problem = serverUrlProblem(url);
    if (problem !== undefined)
      // Not echoed: a URL refused for its password holds one.
      throw new StoreError("STORE_URL_INVALID", `server URL: ${problem}`);
    if (options.token !== undefined && !/^[\x21-\x7e]{1,512}$/.test(options.token))
      throw new UsageError("USAGE", "token: expected 1 to 512 printable ASCII characters without spaces");
    const base = new URL(url);
    if (!base.pathname.endsWith("/")) base.pathname += "/";
    this.base = base;
    this.options = options;
    this.doFetch = options.fetch ?? fetch;
  }

  /** The server, for messages. */
  get shown(): string {
    return this.base.href.replace(/\/$/, "");
  }

  /** `path` (relative, like `v1/entries`) with `query`. */
  url(path: string, query: Readonly<Record<string, string | number>> = {}): URL {
    const u = new URL(path, this.base);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, String(v));
    return u;
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    return {
      ...extra,
      ...(this.options.token !== undefined ? { authorization: `Bearer ${this.options.token}` } : {}),
    };
  }

  /**
   * Send a request and read its answer (at most `maxBytes`); any status but 2xx is thrown as the
   * server's error, except those in `accept` (404 for "not there").
   */
  async request(
    method: "GET" | "POST",
    path: string,
    init: {
      readonly query?: Readonly<Record<string, string | number>>;
      readonly json?: string;
      readonly maxBytes?: number;
      readonly accept?: readonly number[];
      /** Told before each attempt after the first (a POST's caller then knows an answer may have been lost). */
      readonly onRetry?: () => void;
    } = {},
  ): Promise<Answer> {
    const url = this.url(path, init.query);
    const retries = this.options.retries ?? 5;
    let pause = this.options.retryDelayMs ?? 50;
    for (let attempt = 0; ; attempt++) {
      let failure: unknown;
      if (attempt > 0) init.onRetry?.();
      try {
        const res = await this.doFetch(url, {
          method,
          headers: this.headers(
            init.json !== undefined
              ? { "content-type": "application/json", accept: "application/json" }
              : { accept: "application/json" },
          ),
          ...(init.json !== undefined ? { body: init.json } : {}),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
          redirect: "error",
        });
        if (RETRY_STATUS.has(res.status) && attempt < retries) {
          await res.body?.cancel().catch(() => undefined);
          const after = Number(res.headers.get("retry-after"));
          await sleep(Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 5000) : pause);
          pause *= 2;
          continue;
        }
        const bytes = await readBounded(res, init.maxBytes ?? MAX_JSON_BYTES, url);
        if ((res.status >= 200 && res.status < 300) || init.accept?.includes(res.status))
          return { status: res.status, headers: res.headers, bytes };
        throw this.refusal(res.status, bytes, url);
      } catch (err) {
        if (err instanceof OptprovError || !transient(err)) throw err;
        failure = err;
      }
      if (attempt >= retries)
        throw new RemoteError(
          "REMOTE_UNREACHABLE",
          `${this.shown}: ${method} /${path} failed ${attempt + 1} times (${causeText(failure)})`,
          { cause: failure },
        );
      await sleep(pause);
      pause *= 2;
    }
  }

  /** The server's coded refusal, or REMOTE_RESPONSE_INVALID for an error that is not one. */
  private refusal(status: number, bytes: Uint8Array, url: URL): OptprovError {
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      body = undefined;
    }
    return (
      refusalError(status, body, this.shown) ??
      new RemoteError(
        "REMOTE_RESPONSE_INVALID",
        `${this.shown}: ${url.pathname} answered HTTP ${status} without a coded error; is this an optprov server?`,
      )
    );
  }

  /** GET (or POST) a JSON answer of the shape `schema` says; REMOTE_RESPONSE_INVALID otherwise. */
  async json<T>(
    schema: z.ZodType<T>,
    path: string,
    init: Parameters<HttpClient["request"]>[2] & { readonly method?: "GET" | "POST" } = {},
  ): Promise<T> {
    const answer = await this.request(init.method ?? "GET", path, init);
    return this.parse(schema, answer, path);
  }

  /** Parse an answer's bytes as JSON of the shape `schema` says. */
  parse<T>(schema: z.ZodType<T>, answer: Answer, path: string): T {
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(answer.bytes));
    } catch {
      throw new RemoteError(
        "REMOTE_RESPONSE_INVALID",
        `${this.shown}: /${path} answered ${answer.bytes.length} bytes that are not JSON (truncated, or not an optprov server)`,
      );
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RemoteError(
        "REMOTE_RESPONSE_INVALID",
        `${this.shown}: /${path} answered JSON of another shape (at ${issue?.path.join(".") || "the top"}: ${issue?.message ?? "invalid"})`,
      );
    }
    return parsed.data;
  }

  /** Open a streaming GET (the event stream); the caller reads the body and aborts with `signal`. */
  async stream(path: string, signal: AbortSignal): Promise<Response> {
    const url = this.url(path);
    let res: Response;
    try {
      res = await this.doFetch(url, {
        headers: this.headers({ accept: "text/event-stream" }),
        signal,
        redirect: "error",
      });
    } catch (err) {
      if (signal.aborted) throw err;
      throw new RemoteError("REMOTE_UNREACHABLE", `${this.shown}: GET /${path} failed (${causeText(err)})`, {
        cause: err,
      });
    }
    if (res.status !== 200) throw this.refusal(res.status, await readBounded(res, 64 * 1024, url), url);
    return res;
  }
}

/** The body, or REMOTE_RESPONSE_INVALID once it passes `max` bytes (reading stops there). */
async function readBounded(res: Response, max: number, url: URL): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => undefined);
    throw new RemoteError(
      "REMOTE_RESPONSE_INVALID",
      `${url.origin}${url.pathname}: expected an answer of at most ${max} bytes, got Content-Length ${declared}`,
    );
  }
  if (res.body === null) return new Uint8Array(0);
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw new RemoteError(
        "REMOTE_RESPONSE_INVALID",
        `${url.origin}${url.pathname}: expected an answer of at most ${max} bytes, got more`,
      );
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
