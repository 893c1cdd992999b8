/**
 * An OTLP trace export request (`ExportTraceServiceRequest`, opentelemetry-proto
 * collector/trace/v1) read into a span batch's body. Both encodings OTLP/HTTP allows land here:
 * JSON as the OTLP specification's JSON mapping gives it (trace and span ids in hex, 64-bit
 * integers as decimal strings or numbers, enums as integers, unknown fields ignored), and
 * protobuf, decoded by protobufjs into the same shape (`decode-protobuf.ts`) with ids in base64.
 *
 * The body comes from agents the ledger does not control: every field is checked, sizes and
 * depths are bounded, and an error names the span (its index in the request, counting from 0),
 * the field, what was expected and what came, without echoing more than a short preview.
 */
import { OtlpError, type OtlpErrorCode } from "../../errors.js";
import { preview } from "../../ledger/base64.js";
import {
  type Attribute,
  type AttributeValue,
  MAX_ATTRIBUTES,
  MAX_EVENTS,
  MAX_LINKS,
  MAX_SPANS,
  MAX_STRING_CHARS,
  MAX_VALUE_DEPTH,
  MAX_VALUE_ITEMS,
  type ResourceRecord,
  type ScopeRecord,
  type SpanBatchBody,
  type SpanEvent,
  type SpanLinkRecord,
  type SpanRecord,
} from "../../ledger/span-batch.js";
import {
  doubleValue,
  eventRecord,
  linkRecord,
  otlpFailure,
  resourceRecord,
  scopeRecord,
  spanRecord,
  statusRecord,
} from "./records.js";

/** How the request spells trace and span ids: hex (JSON) or base64 (protobuf decoded by protobufjs). */
export type IdEncoding = "hex" | "base64";

const HEX_TRACE = /^[0-9a-fA-F]{32}$/;
const HEX_SPAN = /^[0-9a-fA-F]{16}$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);
const UNSIGNED = /^(0|[1-9][0-9]{0,19})$/;
const SIGNED = /^-?(0|[1-9][0-9]{0,18})$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MAX_NANOS = 18446744073709551615n;
const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A short description of what came, for messages. */
function shown(v: unknown): string {
  if (typeof v === "string") return preview(v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (v === null) return "null";
  return typeof v === "object" ? "an object" : preview(String(v));
}

class Reader {
  /** Where in the request we are, for messages: `span 3` or `resourceSpans[0].resource`. */
  where = "request";

  fail(code: OtlpErrorCode, field: string, expected: string, got: unknown): never {
    throw otlpFailure(code, this.where, field, expected, shown(got));
  }

  list(v: unknown, field: string, max: number): readonly unknown[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail("OTLP_INVALID", field, "a list", v);
    if (v.length > max) this.fail("OTLP_TOO_LARGE", field, `at most ${max} items`, v);
    return v;
  }

  string(v: unknown, field: string, max = MAX_STRING_CHARS): string | undefined {
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v !== "string") this.fail("OTLP_INVALID", field, "a string", v);
    if (v.length > max)
      this.fail("OTLP_TOO_LARGE", field, `at most ${max.toLocaleString("en")} characters`, v);
    return v;
  }

  count(v: unknown, field: string): number | undefined {
    if (v === undefined || v === null || v === 0) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 0xffffffff)
      this.fail("OTLP_INVALID", field, "an unsigned 32-bit integer", v);
    return v;
  }

  /** A fixed64 time in unix nanoseconds: a decimal string (or a number, which some exporters send). */
  nanos(v: unknown, field: string, required: boolean): string {
    if (v === undefined || v === null) {
      if (required) this.fail("OTLP_INVALID", field, "unix nanoseconds", v);
      return "0";
    }
    const s = typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? String(v) : v;
    if (typeof s !== "string" || !UNSIGNED.test(s) || (s.length === 20 && BigInt(s) > MAX_NANOS))
      this.fail("OTLP_INVALID", field, "unix nanoseconds as a decimal string", v);
    return s;
  }

  id(v: unknown, field: string, bytes: 8 | 16, encoding: IdEncoding, optional: boolean): string | undefined {
    if (v === undefined || v === null || v === "") {
      if (optional) return undefined;
      this.fail("OTLP_INVALID", field, `a ${bytes}-byte id`, v);
    }
    if (typeof v !== "string") this.fail("OTLP_INVALID", field, `a ${bytes}-byte id`, v);
    let hex: string;
    if (encoding === "hex") {
      if (!(bytes === 16 ? HEX_TRACE : HEX_SPAN).test(v))
        this.fail("OTLP_INVALID", field, `${bytes * 2} hex digits`, v);
      hex = v.toLowerCase();
    } else {
      hex = Buffer.from(v, "base64").toString("hex");
      if (hex.length !== bytes * 2)
        this.fail("OTLP_INVALID", field, `${bytes} bytes`, `${hex.length / 2} bytes`);
    }
    // OTLP: an all-zero trace or span id is invalid; an all-zero parent means no parent.
    if (hex === (bytes === 16 ? ZERO_TRACE : ZERO_SPAN)) {
      if (optional) return undefined;
      this.fail("OTLP_INVALID", field, "a non-zero id", v);
    }
    return hex;
  }

  /**
   * An attribute value. `field` is where its list is and `key` its attribute's key; the two are
   * joined into a message only on failure, since this runs for every attribute of every span.
   */
  value(v: unknown, field: string, key: string, depth: number): AttributeValue {
    if (v === undefined || v === null) return null;
    const at = () => `${field} ${preview(key)}`;
    if (!isRecord(v)) this.fail("OTLP_INVALID", at(), "an AnyValue object", v);
    const s = v.stringValue;
    if (s !== undefined) {
      if (typeof s !== "string") this.fail("OTLP_INVALID", `${at()}.stringValue`, "a string", s);
      if (s.length > MAX_STRING_CHARS)
        this.fail(
          "OTLP_TOO_LARGE",
          `${at()}.stringValue`,
          `at most ${MAX_STRING_CHARS.toLocaleString("en")} characters`,
          s,
        );
      return s;
    }
    if (depth > MAX_VALUE_DEPTH)
      this.fail("OTLP_TOO_LARGE", at(), `values nested at most ${MAX_VALUE_DEPTH} deep`, v);
    if (v.boolValue !== undefined) {
      if (typeof v.boolValue !== "boolean")
        this.fail("OTLP_INVALID", `${at()}.boolValue`, "true or false", v.boolValue);
      return v.boolValue;
    }
    if (v.intValue !== undefined) {
      const i = v.intValue;
      const s = typeof i === "number" && Number.isSafeInteger(i) ? String(i) : i;
      // Decimal strings of up to 15 digits are within int64; longer ones are compared as BigInt.
      if (
        typeof s !== "string" ||
        !SIGNED.test(s) ||
        (s.length > 15 && (BigInt(s) < INT64_MIN || BigInt(s) > INT64_MAX))
      )
        this.fail("OTLP_INVALID", `${at()}.intValue`, "a 64-bit integer as a decimal string", i);
      return { i: s };
    }
    if (v.doubleValue !== undefined) {
      const d = v.doubleValue;
      if (typeof d === "number") return doubleValue(d);
      if (d === "NaN" || d === "Infinity" || d === "-Infinity") return { d };
      this.fail("OTLP_INVALID", `${at()}.doubleValue`, "a number", d);
    }
    if (v.bytesValue !== undefined) {
      const b = v.bytesValue;
      if (typeof b !== "string" || !BASE64.test(b))
        this.fail("OTLP_INVALID", `${at()}.bytesValue`, "base64", b);
      if (b.length > MAX_STRING_CHARS)
        this.fail("OTLP_TOO_LARGE", `${at()}.bytesValue`, `at most ${MAX_STRING_CHARS} base64 characters`, b);
      return { b };
    }
    if (v.arrayValue !== undefined) {
      const a = isRecord(v.arrayValue) ? v.arrayValue.values : v.arrayValue;
      const items = this.list(a, `${at()}.arrayValue.values`, MAX_VALUE_ITEMS);
      return { a: items.map((x, i) => this.value(x, field, `${key}[${i}]`, depth + 1)) };
    }
    if (v.kvlistValue !== undefined) {
      const kv = isRecord(v.kvlistValue) ? v.kvlistValue.values : v.kvlistValue;
      return { kv: this.attributes(kv, `${at()}.kvlistValue.values`, depth + 1, MAX_VALUE_ITEMS) ?? [] };
    }
    // An AnyValue with none of the fields set is an empty value (OTLP allows it).
    return null;
  }

  attributes(v: unknown, field: string, depth = 0, max = MAX_ATTRIBUTES): Attribute[] | undefined {
    const items = this.list(v, field, max);
    if (items.length === 0) return undefined;
    const out: Attribute[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const kv = items[i];
      if (!isRecord(kv)) this.fail("OTLP_INVALID", `${field}[${i}]`, "a {key, value} object", kv);
      const key = kv.key;
      if (typeof key !== "string" || key.length > 1024)
        this.fail("OTLP_INVALID", `${field}[${i}].key`, "a string of at most 1,024 characters", key);
      out[i] = [key, this.value(kv.value, field, key, depth)];
    }
    return out;
  }
}

/**
 * Read an `ExportTraceServiceRequest` in the OTLP JSON shape into a span batch's body. `ids` says
 * how the request spells trace and span ids (hex for JSON, base64 for protobuf via protobufjs).
 * Throws OtlpError (`OTLP_INVALID`, `OTLP_TOO_LARGE`).
 *
 * @example readExportRequest(JSON.parse(body), "hex").spans.length
 */
export function readExportRequest(request: unknown, ids: IdEncoding): SpanBatchBody {
  const r: Reader = new Reader();
  if (!isRecord(request)) r.fail("OTLP_INVALID", "body", "an ExportTraceServiceRequest object", request);
  const resources: ResourceRecord[] = [];
  const scopes: ScopeRecord[] = [];
  const spans: SpanRecord[] = [];
  const resourceSpans = r.list(request.resourceSpans, "resourceSpans", MAX_SPANS);
  for (const [ri, rs] of resourceSpans.entries()) {
    r.where = `resourceSpans[${ri}]`;
    if (!isRecord(rs)) r.fail("OTLP_INVALID", "(itself)", "a ResourceSpans object", rs);
    const res = rs.resource;
    if (res !== undefined && res !== null && !isRecord(res))
      r.fail("OTLP_INVALID", "resource", "a Resource object", res);
    const resourceAttributes = r.attributes(res?.attributes, "resource.attributes");
    const resourceDropped = r.count(res?.droppedAttributesCount, "resource.droppedAttributesCount");
    const resourceSchema = r.string(rs.schemaUrl, "schemaUrl", 2048);
    const resource = resources.length;
    resources.push(resourceRecord(resourceAttributes, resourceDropped, resourceSchema));
    for (const [si, ss] of r.list(rs.scopeSpans, "scopeSpans", MAX_SPANS).entries()) {
      r.where = `resourceSpans[${ri}].scopeSpans[${si}]`;
      if (!isRecord(ss)) r.fail("OTLP_INVALID", "(itself)", "a ScopeSpans object", ss);
      const sc = ss.scope;
      if (sc !== undefined && sc !== null && !isRecord(sc))
        r.fail("OTLP_INVALID", "scope", "an InstrumentationScope object", sc);
      const name = r.string(sc?.name, "scope.name", 4096) ?? "";
      const version = r.string(sc?.version, "scope.version", 1024);
      const scopeAttributes = r.attributes(sc?.attributes, "scope.attributes");
      const scopeDropped = r.count(sc?.droppedAttributesCount, "scope.droppedAttributesCount");
      const scopeSchema = r.string(ss.schemaUrl, "schemaUrl", 2048);
      const scope = scopes.length;
      scopes.push(scopeRecord(name, version, scopeAttributes, scopeDropped, scopeSchema));
      const list = r.list(ss.spans, "spans", MAX_SPANS);
      if (spans.length + list.length > MAX_SPANS)
        r.fail(
          "OTLP_TOO_LARGE",
          "spans",
          `at most ${MAX_SPANS} spans in one request`,
          `${spans.length + list.length}`,
        );
      for (const s of list) {
        r.where = `span ${spans.length}`;
        spans.push(readSpan(r, s, resource, scope, ids));
      }
    }
  }
  return { resources, scopes, spans };
}

function readSpan(r: Reader, s: unknown, resource: number, scope: number, ids: IdEncoding): SpanRecord {
  if (!isRecord(s)) r.fail("OTLP_INVALID", "(itself)", "a Span object", s);
  const traceId = r.id(s.traceId, "traceId", 16, ids, false)!;
  const spanId = r.id(s.spanId, "spanId", 8, ids, false)!;
  const parentSpanId = r.id(s.parentSpanId, "parentSpanId", 8, ids, true);
  const traceState = r.string(s.traceState, "traceState", 4096);
  const flags = r.count(s.flags, "flags");
  const name = r.string(s.name, "name", 4096) ?? "";
  const kind = s.kind ?? 0;
  if (typeof kind !== "number" || !Number.isInteger(kind) || kind < 0 || kind > 5)
    r.fail("OTLP_INVALID", "kind", "a SpanKind integer 0..5", kind);
  const start = r.nanos(s.startTimeUnixNano, "startTimeUnixNano", true);
  const end = r.nanos(s.endTimeUnixNano, "endTimeUnixNano", true);
  let status: SpanRecord["status"];
  if (s.status !== undefined && s.status !== null) {
    if (!isRecord(s.status)) r.fail("OTLP_INVALID", "status", "a Status object", s.status);
    const code = s.status.code ?? 0;
    if (code !== 0 && code !== 1 && code !== 2)
      r.fail("OTLP_INVALID", "status.code", "0 (unset), 1 (ok) or 2 (error)", code);
    const message = r.string(s.status.message, "status.message");
    status = statusRecord(code, message);
  }
  const attributes = r.attributes(s.attributes, "attributes");
  const droppedAttributes = r.count(s.droppedAttributesCount, "droppedAttributesCount");
  const events: SpanEvent[] = [];
  for (const [i, e] of r.list(s.events, "events", MAX_EVENTS).entries()) {
    if (!isRecord(e)) r.fail("OTLP_INVALID", `events[${i}]`, "an Event object", e);
    const ea = r.attributes(e.attributes, `events[${i}].attributes`);
    const ed = r.count(e.droppedAttributesCount, `events[${i}].droppedAttributesCount`);
    const time = r.nanos(e.timeUnixNano, `events[${i}].timeUnixNano`, false);
    events.push(eventRecord(time, r.string(e.name, `events[${i}].name`, 4096) ?? "", ea, ed));
  }
  const links: SpanLinkRecord[] = [];
  for (const [i, l] of r.list(s.links, "links", MAX_LINKS).entries()) {
    if (!isRecord(l)) r.fail("OTLP_INVALID", `links[${i}]`, "a Link object", l);
    const ts = r.string(l.traceState, `links[${i}].traceState`, 4096);
    const lf = r.count(l.flags, `links[${i}].flags`);
    const la = r.attributes(l.attributes, `links[${i}].attributes`);
    const ld = r.count(l.droppedAttributesCount, `links[${i}].droppedAttributesCount`);
    const linkTrace = r.id(l.traceId, `links[${i}].traceId`, 16, ids, false)!;
    const linkSpan = r.id(l.spanId, `links[${i}].spanId`, 8, ids, false)!;
    links.push(linkRecord(linkTrace, linkSpan, ts, lf, la, ld));
  }
  const droppedEvents = r.count(s.droppedEventsCount, "droppedEventsCount");
  const droppedLinks = r.count(s.droppedLinksCount, "droppedLinksCount");
  return spanRecord({
    resource,
    scope,
    traceId,
    spanId,
    parentSpanId,
    traceState,
    flags,
    name,
    kind,
    start,
    end,
    status,
    attributes,
    droppedAttributes,
    events,
    droppedEvents,
    links,
    droppedLinks,
  });
}

/**
 * Parse an OTLP/HTTP JSON body (`application/json`) into a span batch's body.
 *
 * @example decodeOtlpJson(new TextEncoder().encode('{"resourceSpans":[]}')).spans // []
 */
export function decodeOtlpJson(body: Uint8Array): SpanBatchBody {
  let text: string;
  let parsed: unknown;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch (cause) {
    throw new OtlpError("OTLP_INVALID", "OTLP JSON body: expected UTF-8 text, got invalid bytes", { cause });
  }
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new OtlpError("OTLP_INVALID", `OTLP JSON body: expected JSON, got ${preview(text)}`, { cause });
  }
  return readExportRequest(parsed, "hex");
}
