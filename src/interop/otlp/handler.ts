/**
 * OTLP/HTTP trace receiver as a web-standard handler, `(request: Request) => Promise<Response>`,
 * for the server to mount at `POST /v1/traces` (OTLP specification, "OTLP/HTTP"). It takes JSON
 * and protobuf bodies, gzip-encoded or not, answers an `ExportTraceServiceResponse` in the
 * request's encoding, and refuses with the status codes OTLP gives: 400 for a bad request (not
 * retryable), 413 for one too large, 415 for another media type, 503 when the log is busy
 * (retryable). Requests that arrive together are committed together. Error bodies are a `google.rpc.Status` (JSON or protobuf) with optprov's code in
 * its message.
 */
import protobuf from "protobufjs";
import { OptprovError } from "../../errors.js";
import type { SignerKey } from "../../ledger/keys.js";
import { MAX_OTLP_BODY_BYTES, mediaType, OTLP_PROTOBUF, type OtlpTarget, otlpIngestor } from "./ingest.js";

export interface OtlpHandlerOptions {
  /** Where spans go: a ledger (`openLedger()`) or anything with its `log`. */
  readonly target: OtlpTarget;
  /** The collector's key: a registered actor of role `system`. */
  readonly collector: SignerKey;
}

/** google.rpc.Status codes used in error bodies. */
const RPC_INVALID_ARGUMENT = 3;
const RPC_RESOURCE_EXHAUSTED = 8;
const RPC_UNAVAILABLE = 14;
const RPC_INTERNAL = 13;

/** Read a body up to `max` bytes, undoing gzip; undefined when it is larger. */
async function readBody(request: Request, max: number): Promise<Uint8Array | undefined> {
  const length = Number(request.headers.get("content-length") ?? "0");
  if (length > max) return undefined;
  let stream = request.body;
  if (stream === null) return new Uint8Array();
  const encoding = (request.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (encoding === "gzip") stream = stream.pipeThrough(new DecompressionStream("gzip"));
  else if (encoding !== "identity") throw new BadEncoding(encoding);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    // Bounded while reading, so a small gzip body cannot inflate without limit.
    if (total > max) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

class BadEncoding extends Error {}

function reply(protobufBody: boolean, status: number, rpc: number, code: string, message: string): Response {
  const text = `${code}: ${message}`.slice(0, 2000);
  if (protobufBody) {
    const bytes = protobuf.Writer.create().uint32(8).int32(rpc).uint32(18).string(text).finish();
    return new Response(bytes as Uint8Array<ArrayBuffer>, {
      status,
      headers: { "content-type": OTLP_PROTOBUF },
    });
  }
  return Response.json({ code: rpc, message: text }, { status });
}

/**
 * The handler for `POST /v1/traces`.
 *
 * @example
 * const handle = otlpHandler({ target: ledger, collector: collectorKey });
 * const res = await handle(new Request("http://x/v1/traces", { method: "POST", headers: { "content-type": "application/json" }, body }));
 */
export function otlpHandler(options: OtlpHandlerOptions): (request: Request) => Promise<Response> {
  // Requests from many exporters arriving together are committed together (`otlpIngestor`).
  const ingest = otlpIngestor(options.target, options.collector);
  return async (request) => {
    const asProtobuf = mediaType(request.headers.get("content-type")) === OTLP_PROTOBUF;
    if (request.method !== "POST") return new Response(null, { status: 405, headers: { allow: "POST" } });
    let body: Uint8Array | undefined;
    try {
      body = await readBody(request, MAX_OTLP_BODY_BYTES);
    } catch (err) {
      return reply(
        asProtobuf,
        err instanceof BadEncoding ? 415 : 400,
        RPC_INVALID_ARGUMENT,
        "OTLP_INVALID",
        err instanceof BadEncoding
          ? `content-encoding: expected gzip or identity, got ${JSON.stringify(err.message.slice(0, 40))}`
          : "the body could not be read (a truncated or corrupt gzip stream)",
      );
    }
    if (body === undefined)
      return reply(
        asProtobuf,
        413,
        RPC_RESOURCE_EXHAUSTED,
        "OTLP_TOO_LARGE",
        `expected a body of at most ${MAX_OTLP_BODY_BYTES} bytes`,
      );
    try {
      await ingest(body, request.headers.get("content-type"));
    } catch (err) {
      if (!(err instanceof OptprovError)) throw err;
      const code = err.code as string;
      if (code === "OTLP_MEDIA_TYPE") return reply(false, 415, RPC_INVALID_ARGUMENT, code, err.message);
      if (code === "OTLP_TOO_LARGE") return reply(asProtobuf, 413, RPC_RESOURCE_EXHAUSTED, code, err.message);
      if (code === "OTLP_INVALID") return reply(asProtobuf, 400, RPC_INVALID_ARGUMENT, code, err.message);
      if (code === "STORE_CONFLICT" || code === "TIME_BACKWARDS")
        return reply(asProtobuf, 503, RPC_UNAVAILABLE, code, err.message);
      return reply(asProtobuf, 500, RPC_INTERNAL, code, err.message);
    }
    // An empty ExportTraceServiceResponse: everything was accepted (no partial success).
    return asProtobuf
      ? new Response(new Uint8Array(), { status: 200, headers: { "content-type": OTLP_PROTOBUF } })
      : Response.json({}, { status: 200 });
  };
}
