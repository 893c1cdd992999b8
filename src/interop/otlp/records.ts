/**
 * A span batch's records assembled from fields a decoder has already checked, shared by the JSON
 * reader (`decode.ts`) and the protobuf reader (`decode-protobuf.ts`). Statements are signed over
 * `JSON.stringify` of the predicate, so the order of an object's keys is part of what is signed:
 * both encodings build their records here, and the same spans give byte-identical statements.
 * Optional fields are left out when absent (never written as `undefined`).
 */
import { OtlpError, type OtlpErrorCode } from "../../errors.js";
import type {
  Attribute,
  AttributeValue,
  ResourceRecord,
  ScopeRecord,
  SpanEvent,
  SpanLinkRecord,
  SpanRecord,
} from "../../ledger/span-batch.js";
import { genAiFields } from "./genai.js";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The error both decoders throw: where in the request (`span 3`, `resourceSpans[0]`), the field,
 * what was expected and what came (already previewed by the caller, never the whole value).
 */
export function otlpFailure(
  code: OtlpErrorCode,
  where: string,
  field: string,
  expected: string,
  got: string,
): OtlpError {
  return new OtlpError(code, `OTLP ${where}: ${field}: expected ${expected}, got ${got}`);
}

/** A double attribute value: finite as itself, NaN and the infinities spelled out (JSON has none). */
export function doubleValue(d: number): AttributeValue {
  if (Number.isFinite(d)) return d;
  return { d: Number.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity" };
}

export function resourceRecord(
  attributes: readonly Attribute[] | undefined,
  droppedAttributes: number | undefined,
  schemaUrl: string | undefined,
): ResourceRecord {
  const out: Mutable<ResourceRecord> = {};
  if (attributes !== undefined) out.attributes = attributes;
  if (droppedAttributes !== undefined) out.droppedAttributes = droppedAttributes;
  if (schemaUrl !== undefined) out.schemaUrl = schemaUrl;
  return out;
}

export function scopeRecord(
  name: string,
  version: string | undefined,
  attributes: readonly Attribute[] | undefined,
  droppedAttributes: number | undefined,
  schemaUrl: string | undefined,
): ScopeRecord {
  const out: Mutable<ScopeRecord> = { name };
  if (version !== undefined) out.version = version;
  if (attributes !== undefined) out.attributes = attributes;
  if (droppedAttributes !== undefined) out.droppedAttributes = droppedAttributes;
  if (schemaUrl !== undefined) out.schemaUrl = schemaUrl;
  return out;
}

export function eventRecord(
  time: string,
  name: string,
  attributes: readonly Attribute[] | undefined,
  droppedAttributes: number | undefined,
): SpanEvent {
  const out: Mutable<SpanEvent> = { time, name };
  if (attributes !== undefined) out.attributes = attributes;
  if (droppedAttributes !== undefined) out.droppedAttributes = droppedAttributes;
  return out;
}

export function linkRecord(
  traceId: string,
  spanId: string,
  traceState: string | undefined,
  flags: number | undefined,
  attributes: readonly Attribute[] | undefined,
  droppedAttributes: number | undefined,
): SpanLinkRecord {
  const out: Mutable<SpanLinkRecord> = { traceId, spanId };
  if (traceState !== undefined) out.traceState = traceState;
  if (flags !== undefined) out.flags = flags;
  if (attributes !== undefined) out.attributes = attributes;
  if (droppedAttributes !== undefined) out.droppedAttributes = droppedAttributes;
  return out;
}

/** A span's status, or undefined when it says nothing (code 0, unset, and no message). */
export function statusRecord(code: number, message: string | undefined): SpanRecord["status"] {
  if (code === 0 && message === undefined) return undefined;
  return message !== undefined ? { code, message } : { code };
}

/** A span's checked fields, before `genai` is read from its attributes. */
export interface SpanFields {
  readonly resource: number;
  readonly scope: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly traceState: string | undefined;
  readonly flags: number | undefined;
  readonly name: string;
  readonly kind: number;
  readonly start: string;
  readonly end: string;
  readonly status: SpanRecord["status"];
  readonly attributes: readonly Attribute[] | undefined;
  readonly droppedAttributes: number | undefined;
  readonly events: readonly SpanEvent[] | undefined;
  readonly droppedEvents: number | undefined;
  readonly links: readonly SpanLinkRecord[] | undefined;
  readonly droppedLinks: number | undefined;
}

/** A span record, with its `genai` fields read from its attributes. */
export function spanRecord(f: SpanFields): SpanRecord {
  const out: Mutable<SpanRecord> = {
    resource: f.resource,
    scope: f.scope,
    traceId: f.traceId,
    spanId: f.spanId,
  } as Mutable<SpanRecord>;
  if (f.parentSpanId !== undefined) out.parentSpanId = f.parentSpanId;
  if (f.traceState !== undefined) out.traceState = f.traceState;
  if (f.flags !== undefined) out.flags = f.flags;
  out.name = f.name;
  out.kind = f.kind;
  out.start = f.start;
  out.end = f.end;
  if (f.status !== undefined) out.status = f.status;
  const genai = f.attributes !== undefined ? genAiFields(f.attributes) : undefined;
  if (genai !== undefined) out.genai = genai;
  if (f.attributes !== undefined) out.attributes = f.attributes;
  if (f.droppedAttributes !== undefined) out.droppedAttributes = f.droppedAttributes;
  if (f.events !== undefined && f.events.length > 0) out.events = f.events;
  if (f.droppedEvents !== undefined) out.droppedEvents = f.droppedEvents;
  if (f.links !== undefined && f.links.length > 0) out.links = f.links;
  if (f.droppedLinks !== undefined) out.droppedLinks = f.droppedLinks;
  return out;
}
