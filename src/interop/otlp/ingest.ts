/**
 * Take in one OTLP/HTTP trace export request: decode it (JSON or protobuf), and sign its spans
 * into the ledger as `span-batch` entries under the collector's key, all in one append, so a
 * request is written whole or not at all. One entry per request, not per span: a signature per
 * span would cap ingest at the signing rate (docs/otlp.md gives the figures). A request too large
 * for one entry (`MAX_ENVELOPE_BYTES`) is split into as few entries as fit, appended together.
 */
import type { ControlState } from "../../control/state.js";
import { OtlpError } from "../../errors.js";
import { MAX_ENVELOPE_BYTES } from "../../ledger/dsse.js";
import { formatVerifierKey, type SignerKey } from "../../ledger/keys.js";
import type { Log } from "../../ledger/log.js";
import type { ResourceRecord, ScopeRecord, SpanBatchBody, SpanRecord } from "../../ledger/span-batch.js";
import { decodeOtlpJson } from "./decode.js";
import { decodeOtlpProtobuf } from "./decode-protobuf.js";

/** Largest request body taken in, in bytes (after any content encoding is undone). */
export const MAX_OTLP_BODY_BYTES = 16 * 1024 * 1024;

/** The two OTLP/HTTP encodings, by media type. */
export const OTLP_JSON = "application/json";
export const OTLP_PROTOBUF = "application/x-protobuf";

/** What ingest writes to: a log run with the control rules (`Ledger.log`, or one `Log.open` gave). */
export interface OtlpTarget {
  readonly log: Log<ControlState>;
}

export interface IngestResult {
  /** Spans taken in. */
  readonly spans: number;
  /** Indices of the span-batch entries written (none for a request with no spans). */
  readonly entries: readonly number[];
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(contentType: string | null | undefined): string {
  return (contentType ?? "").split(";", 1)[0]!.trim().toLowerCase();
}

/**
 * Decode an OTLP/HTTP body by its content type. Throws OtlpError (`OTLP_MEDIA_TYPE`,
 * `OTLP_INVALID`, `OTLP_TOO_LARGE`).
 *
 * @example decodeOtlp(body, "application/x-protobuf").spans.length
 */
export function decodeOtlp(body: Uint8Array, contentType: string | null | undefined): SpanBatchBody {
  if (body.length > MAX_OTLP_BODY_BYTES)
    throw new OtlpError(
      "OTLP_TOO_LARGE",
      `OTLP body: expected at most ${MAX_OTLP_BODY_BYTES} bytes, got ${body.length}`,
    );
  const type = mediaType(contentType);
  if (type === OTLP_JSON) return decodeOtlpJson(body);
  if (type === OTLP_PROTOBUF) return decodeOtlpProtobuf(body);
  throw new OtlpError(
    "OTLP_MEDIA_TYPE",
    `OTLP body: expected content type ${OTLP_JSON} or ${OTLP_PROTOBUF}, got ${JSON.stringify(type.slice(0, 80))}`,
  );
}

/** The spans `from` to `to` with just the resources and scopes they use, renumbered. */
function slice(body: SpanBatchBody, from: number, to: number): SpanBatchBody {
  if (from === 0 && to === body.spans.length) return body;
  const resources: ResourceRecord[] = [];
  const scopes: ScopeRecord[] = [];
  const r = new Map<number, number>();
  const s = new Map<number, number>();
  const spans: SpanRecord[] = [];
  for (let i = from; i < to; i++) {
    const span = body.spans[i]!;
    let ri = r.get(span.resource);
    if (ri === undefined) {
      ri = resources.push(body.resources[span.resource]!) - 1;
      r.set(span.resource, ri);
    }
    let si = s.get(span.scope);
    if (si === undefined) {
      si = scopes.push(body.scopes[span.scope]!) - 1;
      s.set(span.scope, si);
    }
    spans.push(ri === span.resource && si === span.scope ? span : { ...span, resource: ri, scope: si });
  }
  return { resources, scopes, spans };
}

/**
 * Sign a span batch body as span-batch entries of at most `MAX_ENVELOPE_BYTES` each: the whole
 * body when it fits, else halves, recursively. A single span too large for an entry is refused.
 */
export function signSpanBatches(
  log: Log<ControlState>,
  body: SpanBatchBody,
  collector: SignerKey,
  time: string = new Date().toISOString(),
): Uint8Array[] {
  const out: Uint8Array[] = [];
  const sign = (from: number, to: number): void => {
    const part = slice(body, from, to);
    const envelope = log.sign(
      "span-batch",
      { actor: collector.name, time, resources: part.resources, scopes: part.scopes, spans: part.spans },
      collector,
    );
    if (envelope.length <= MAX_ENVELOPE_BYTES) {
      out.push(envelope);
      return;
    }
    if (to - from === 1)
      throw new OtlpError(
        "OTLP_TOO_LARGE",
        `OTLP span ${from}: expected to fit one ledger entry (${MAX_ENVELOPE_BYTES} bytes signed), got ${envelope.length} bytes`,
      );
    const mid = from + Math.ceil((to - from) / 2);
    sign(from, mid);
    sign(mid, to);
  };
  if (body.spans.length > 0) sign(0, body.spans.length);
  return out;
}

/** Refuse a collector key that is not a registered system actor's, before anything is signed. */
function checkCollector(log: Log<ControlState>, collector: SignerKey): void {
  const actor = log.state.actors.get(collector.name);
  if (actor === undefined || actor.role !== "system" || actor.key !== formatVerifierKey(collector))
    throw new OtlpError(
      "OTLP_COLLECTOR_UNKNOWN",
      `collector ${collector.name}: expected a registered actor of role system with this key, got ${actor === undefined ? "no such actor" : actor.role !== "system" ? `an actor of role ${actor.role}` : "an actor registered with another key"}`,
    );
}

/**
 * Take in one OTLP/HTTP trace export request: decode `body` by `contentType`, and append its spans
 * as span-batch entries signed by `collector`, a registered actor of role `system` (register it
 * with `ledger.actor(name, key, "system")`). All or nothing: a request refused writes nothing.
 * Throws OtlpError for a bad body and AdmissionError when the log refuses the entries.
 *
 * @example
 * await ledger.actor("otel-collector", collectorKey, "system");
 * const { spans, entries } = await ingestOtlp(ledger, collectorKey, body, "application/json");
 */
export async function ingestOtlp(
  target: OtlpTarget,
  collector: SignerKey,
  body: Uint8Array,
  contentType: string | null | undefined,
): Promise<IngestResult> {
  const log = target.log;
  checkCollector(log, collector);
  const decoded = decodeOtlp(body, contentType);
  const envelopes = signSpanBatches(log, decoded, collector);
  if (envelopes.length === 0) return { spans: 0, entries: [] };
  const appended = await log.append(envelopes);
  return { spans: decoded.spans.length, entries: appended.map((a) => a.index) };
}

interface Pending {
  readonly envelopes: Uint8Array[];
  readonly spans: number;
  readonly resolve: (r: IngestResult) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * `ingestOtlp` for a receiver with many exporters: requests that arrive while the log is writing
 * are appended together once it is done, one store transaction (one fsync, with SQLite's
 * synchronous=FULL) for all of them, each still its own entries. If the log refuses such a group,
 * each request is appended again on its own, so one request's refusal never costs another its
 * spans. What each request is told is what `ingestOtlp` would have told it.
 *
 * @example
 * const ingest = otlpIngestor(ledger, collectorKey);
 * await Promise.all(bodies.map((b) => ingest(b, "application/x-protobuf")));
 */
export function otlpIngestor(
  target: OtlpTarget,
  collector: SignerKey,
): (body: Uint8Array, contentType: string | null | undefined) => Promise<IngestResult> {
  const log = target.log;
  let queue: Pending[] = [];
  let writing = false;
  const settle = (p: Pending, indices: readonly number[]) => p.resolve({ spans: p.spans, entries: indices });
  const drain = async (): Promise<void> => {
    writing = true;
    try {
      while (queue.length > 0) {
        const group = queue;
        queue = [];
        try {
          const appended = await log.append(group.flatMap((p) => p.envelopes));
          let k = 0;
          for (const p of group) {
            settle(
              p,
              appended.slice(k, k + p.envelopes.length).map((a) => a.index),
            );
            k += p.envelopes.length;
          }
        } catch (err) {
          if (group.length === 1) group[0]!.reject(err);
          else
            for (const p of group) {
              try {
                settle(
                  p,
                  (await log.append(p.envelopes)).map((a) => a.index),
                );
              } catch (e) {
                p.reject(e);
              }
            }
        }
      }
    } finally {
      writing = false;
    }
  };
  return (body, contentType) => {
    try {
      checkCollector(log, collector);
      const decoded = decodeOtlp(body, contentType);
      const envelopes = signSpanBatches(log, decoded, collector);
      if (envelopes.length === 0) return Promise.resolve({ spans: 0, entries: [] });
      return new Promise<IngestResult>((resolve, reject) => {
        queue.push({ envelopes, spans: decoded.spans.length, resolve, reject });
        if (!writing) void drain();
      });
    } catch (err) {
      return Promise.reject(err);
    }
  };
}
