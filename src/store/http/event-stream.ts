/**
 * The client side of `GET /v1/events`: Server-Sent Events (WHATWG HTML, "Server-sent events"),
 * one `size` event with `{"size":N}` whenever the server's log grows, the current size first on
 * every connection, and a comment line every 15 s so a dead connection is noticed.
 *
 * A dropped stream is reopened with back-off (its first event says what was missed); a server
 * without the route (404) is polled instead, at the interval the caller gives. Lines are bounded:
 * a server that streams one endless line is cut off, not buffered.
 */
import { OptprovError } from "../../errors.js";
import type { HttpClient } from "./http-client.js";

/** No byte for this long (more than two missed heartbeats) and the stream is taken for dead. */
const IDLE_MS = 40_000;
/** The longest line accepted; an event here is a few dozen bytes. */
const MAX_LINE = 64 * 1024;
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    });
  });

export interface SizeWatch {
  /** Told of each size the server reports (a size may repeat). */
  readonly onSize: (size: number) => void;
  /** Used instead of the stream when the server has none. */
  readonly poll: () => Promise<number>;
  readonly intervalMs: number;
}

/**
 * Parse an event stream's bytes into events, calling `onEvent(type, data)` for each.
 * Exported for its tests; `watchSizes` is what stores use.
 *
 * @example for await (...) parser.push(chunk)
 */
export class EventParser {
  private buffer = "";
  private type = "";
  private data: string[] = [];
  private readonly decoder = new TextDecoder();

  constructor(private readonly onEvent: (type: string, data: string) => void) {}

  /** Feed bytes; false once a line passes MAX_LINE (the caller drops the connection). */
  push(chunk: Uint8Array): boolean {
    this.buffer += this.decoder.decode(chunk, { stream: true });
    for (;;) {
      const nl = this.buffer.search(/\r\n|\r|\n/);
      if (nl < 0) break;
      const line = this.buffer.slice(0, nl);
      const sep = this.buffer.startsWith("\r\n", nl) ? 2 : 1;
      this.buffer = this.buffer.slice(nl + sep);
      this.line(line);
    }
    return this.buffer.length <= MAX_LINE;
  }

  private line(line: string): void {
    if (line === "") {
      if (this.data.length > 0) this.onEvent(this.type || "message", this.data.join("\n"));
      this.type = "";
      this.data = [];
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.type = value;
    else if (field === "data" && this.data.length < 64) this.data.push(value);
  }
}

/** The size a `size` event carries, or undefined for anything else. */
function sizeOf(data: string): number | undefined {
  try {
    const size = (JSON.parse(data) as { size?: unknown }).size;
    return typeof size === "number" && Number.isSafeInteger(size) && size >= 0 ? size : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Follow the server's log size until the returned function is called.
 *
 * @example const stop = watchSizes(client, { onSize: (n) => refresh(n), poll: () => store.size(), intervalMs: 25 });
 */
export function watchSizes(client: HttpClient, watch: SizeWatch): () => void {
  const stop = new AbortController();
  const run = async () => {
    let pause = 100;
    while (!stop.signal.aborted) {
      const connection = new AbortController();
      const abortConnection = () => connection.abort();
      stop.signal.addEventListener("abort", abortConnection);
      // Also bounds the wait for the answer's headers.
      let idle = setTimeout(abortConnection, IDLE_MS);
      try {
        const res = await client.stream("v1/events", connection.signal);
        const parser = new EventParser((type, data) => {
          const size = type === "size" ? sizeOf(data) : undefined;
          if (size !== undefined) watch.onSize(size);
        });
        const reader = res.body!.getReader();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            pause = 100;
            clearTimeout(idle);
            idle = setTimeout(abortConnection, IDLE_MS);
            if (!parser.push(value)) break;
          }
        } finally {
          await reader.cancel().catch(() => undefined);
        }
      } catch (err) {
        if (stop.signal.aborted) return;
        if (err instanceof OptprovError && (err.code === "ROUTE_NOT_FOUND" || err.code === "NOT_FOUND")) {
          // A server without the event stream: look at its size instead.
          while (!stop.signal.aborted) {
            await watch.poll().then(watch.onSize, () => undefined);
            await sleep(watch.intervalMs, stop.signal);
          }
          return;
        }
      } finally {
        clearTimeout(idle);
        stop.signal.removeEventListener("abort", abortConnection);
      }
      await sleep(pause, stop.signal);
      pause = Math.min(pause * 2, 5000);
    }
  };
  void run();
  return () => stop.abort();
}
