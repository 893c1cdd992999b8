/**
 * OTLP/HTTP protobuf bodies (`application/x-protobuf`) read from the wire straight into a span
 * batch's body. The messages are opentelemetry-proto's (vendored in proto/; the tags read here are
 * checked against their descriptor, `trace-descriptor.ts`, by a test). protobufjs's `Reader` reads
 * the wire primitives (varints, tags, lengths, and skipping unknown fields and groups, bounded in
 * depth); this file walks the messages field by field into the records `records.ts` builds, the
 * same records, key for key, that the JSON reader builds.
 *
 * Why not `Type.decode` then `toObject` then the JSON reader: that built three object graphs per
 * span (protobufjs messages with 64-bit times as `Long` and ids as byte arrays, then plain objects
 * in the OTLP JSON shape with ids in base64, then the records), and on the benchmark's 512-span
 * requests it cost more than twice what reading the wire directly costs (docs/otlp.md, "How fast").
 *
 * The checks are the JSON reader's, with the same codes and bounds (docs/otlp.md). What only
 * protobuf can get wrong is refused as `OTLP_INVALID`: a trace or span id that is not exactly 16
 * or 8 bytes, a string that is not UTF-8 (proto3 requires it), a length or value that runs past
 * its message or the body (a truncated body), wire types 6 and 7, an unmatched group end. As the
 * protobuf runtimes do, a known field sent with another wire type is skipped like an unknown
 * field, the last of a repeated scalar wins, and a message field sent twice is merged (its
 * repeated fields concatenated). Proto3 does not encode zero values, so an empty id or string
 * counts as absent and a zero start or end time as missing, as they did when protobufjs decoded.
 */
import { Buffer, isUtf8 } from "node:buffer";
import protobuf from "protobufjs";
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

/** Protobuf wire types (protobuf encoding, "Message Structure"). */
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;
const tag = (field: number, wire: number) => (field << 3) | wire;

/**
 * The tag (field number and wire type) of every field read, by message and field name as the
 * descriptor spells them. A field that arrives with another tag is skipped, like an unknown one.
 */
export const OTLP_TRACE_TAGS = {
  ExportTraceServiceRequest: { resourceSpans: tag(1, LEN) },
  ResourceSpans: { resource: tag(1, LEN), scopeSpans: tag(2, LEN), schemaUrl: tag(3, LEN) },
  Resource: { attributes: tag(1, LEN), droppedAttributesCount: tag(2, VARINT) },
  ScopeSpans: { scope: tag(1, LEN), spans: tag(2, LEN), schemaUrl: tag(3, LEN) },
  InstrumentationScope: {
    name: tag(1, LEN),
    version: tag(2, LEN),
    attributes: tag(3, LEN),
    droppedAttributesCount: tag(4, VARINT),
  },
  Span: {
    traceId: tag(1, LEN),
    spanId: tag(2, LEN),
    traceState: tag(3, LEN),
    parentSpanId: tag(4, LEN),
    name: tag(5, LEN),
    kind: tag(6, VARINT),
    startTimeUnixNano: tag(7, I64),
    endTimeUnixNano: tag(8, I64),
    attributes: tag(9, LEN),
    droppedAttributesCount: tag(10, VARINT),
    events: tag(11, LEN),
    droppedEventsCount: tag(12, VARINT),
    links: tag(13, LEN),
    droppedLinksCount: tag(14, VARINT),
    status: tag(15, LEN),
    flags: tag(16, I32),
  },
  Event: {
    timeUnixNano: tag(1, I64),
    name: tag(2, LEN),
    attributes: tag(3, LEN),
    droppedAttributesCount: tag(4, VARINT),
  },
  Link: {
    traceId: tag(1, LEN),
    spanId: tag(2, LEN),
    traceState: tag(3, LEN),
    attributes: tag(4, LEN),
    droppedAttributesCount: tag(5, VARINT),
    flags: tag(6, I32),
  },
  Status: { message: tag(2, LEN), code: tag(3, VARINT) },
  KeyValue: { key: tag(1, LEN), value: tag(2, LEN) },
  AnyValue: {
    stringValue: tag(1, LEN),
    boolValue: tag(2, VARINT),
    intValue: tag(3, VARINT),
    doubleValue: tag(4, I64),
    arrayValue: tag(5, LEN),
    kvlistValue: tag(6, LEN),
    bytesValue: tag(7, LEN),
  },
  ArrayValue: { values: tag(1, LEN) },
  KeyValueList: { values: tag(1, LEN) },
} as const;
const T = OTLP_TRACE_TAGS;

const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);
const TWO_32 = 4294967296;

/** One body being read: the reader, its bytes, what has been read, and where, for messages. */
class Wire {
  readonly r: protobuf.Reader;
  readonly buf: Buffer;
  readonly view: DataView;
  readonly resources: ResourceRecord[] = [];
  readonly scopes: ScopeRecord[] = [];
  readonly spans: SpanRecord[] = [];
  /** Where in the request, for messages: `resourceSpans[0].scopeSpans[1]`; a span by its index. */
  where = "request";
  span = -1;

  constructor(body: Uint8Array) {
    this.buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    this.r = protobuf.Reader.create(this.buf);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  place(): string {
    return this.span >= 0 ? `span ${this.span}` : this.where;
  }

  fail(code: OtlpErrorCode, field: string, expected: string, got: string): never {
    throw otlpFailure(code, this.place(), field, expected, got);
  }

  /**
   * Read a length prefix and narrow the reader to the bytes it covers, so nothing inside reads past
   * them; returns the enclosing limit, which the caller restores (`r.len = outer`) when done.
   */
  enter(field: string): number {
    const r = this.r;
    const n = r.uint32();
    const end = r.pos + n;
    if (end > r.len) this.truncated(field, n);
    const outer = r.len;
    r.len = end;
    return outer;
  }

  truncated(field: string, n: number): never {
    return this.fail(
      "OTLP_INVALID",
      field,
      `${n} bytes`,
      `${this.r.len - this.r.pos} left in its message (a truncated body)`,
    );
  }

  /** A length-delimited field's bytes: returns where they start in `buf`; the reader moves past them. */
  bytes(field: string): number {
    const r = this.r;
    const n = r.uint32();
    const start = r.pos;
    if (start + n > r.len) this.truncated(field, n);
    r.pos = start + n;
    return start;
  }

  /**
   * The text from `start` to the reader's position, or undefined when it is not UTF-8. Callers
   * name the field only on failure: this runs for every key and string of every span.
   */
  text(start: number): string | undefined {
    const end = this.r.pos;
    const buf = this.buf;
    for (let i = start; i < end; i++)
      if (buf[i]! >= 0x80)
        return isUtf8(buf.subarray(start, end)) ? buf.toString("utf8", start, end) : undefined;
    return buf.toString("latin1", start, end);
  }

  notUtf8(field: string, start: number): never {
    return this.fail("OTLP_INVALID", field, "UTF-8 text", `${this.r.pos - start} bytes that are not`);
  }

  /** A string field of at most `max` characters; empty is absent (proto3 does not encode it). */
  string(field: string, max: number): string | undefined {
    const start = this.bytes(field);
    if (this.r.pos === start) return undefined;
    const s = this.text(start) ?? this.notUtf8(field, start);
    if (s.length > max)
      this.fail("OTLP_TOO_LARGE", field, `at most ${max.toLocaleString("en")} characters`, preview(s));
    return s;
  }

  /** A trace or span id in lower-case hex; undefined when empty (absent), checked for its length. */
  id(field: string, bytes: 8 | 16): string | undefined {
    const start = this.bytes(field);
    const n = this.r.pos - start;
    if (n === 0) return undefined;
    if (n !== bytes) this.fail("OTLP_INVALID", field, `${bytes} bytes`, `${n} bytes`);
    return this.buf.toString("hex", start, start + n);
  }

  /** A fixed64 time in unix nanoseconds as a decimal string; undefined for zero (proto3's absent). */
  nanos(field: string): string | undefined {
    const r = this.r;
    if (r.pos + 8 > r.len) this.truncated(field, 8);
    const lo = this.view.getUint32(r.pos, true);
    const hi = this.view.getUint32(r.pos + 4, true);
    r.pos += 8;
    if (hi === 0) return lo === 0 ? undefined : String(lo);
    // Below 2^53 a double holds it exactly; today's times (about 2^60) need the BigInt.
    return hi < 0x200000 ? String(hi * TWO_32 + lo) : ((BigInt(hi) << 32n) | BigInt(lo)).toString();
  }

  /** An int64 varint (an AnyValue's `intValue`) as a signed decimal string, exact over the whole range. */
  int64(field: string): string {
    const r = this.r;
    const buf = this.buf;
    let pos = r.pos;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= r.len) this.truncated(`${field}.intValue`, i + 1);
      const b = buf[pos++]!;
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi = (b & 0x7f) >> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if (b < 0x80) {
        r.pos = pos;
        lo >>>= 0;
        hi >>>= 0;
        if (hi === 0) return String(lo);
        if (hi === 0xffffffff && lo >= 0x80000000) return String(lo | 0);
        if (hi < 0x200000) return String(hi * TWO_32 + lo);
        return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
      }
    }
    return this.fail("OTLP_INVALID", `${field}.intValue`, "a varint of at most 10 bytes", "a longer one");
  }

  /** An AnyValue's `doubleValue`. */
  double(field: string): number {
    const r = this.r;
    if (r.pos + 8 > r.len) this.truncated(`${field}.doubleValue`, 8);
    const d = this.view.getFloat64(r.pos, true);
    r.pos += 8;
    return d;
  }

  /** Skip a field this reader does not read: an unknown one, or a known one with another wire type. */
  skip(t: number): void {
    this.r.skipType(t & 7, 0, t >>> 3);
  }
}

function readRequest(w: Wire): void {
  const r = w.r;
  let count = 0;
  while (r.pos < r.len) {
    const t = r.tag();
    if (t === T.ExportTraceServiceRequest.resourceSpans) {
      if (count === MAX_SPANS)
        w.fail("OTLP_TOO_LARGE", "resourceSpans", `at most ${MAX_SPANS} items`, `${MAX_SPANS + 1} or more`);
      readResourceSpans(w, count++);
    } else w.skip(t);
  }
}

/** A Resource or an InstrumentationScope as it is read (a message sent twice is merged into it). */
interface Owner {
  name: string | undefined;
  version: string | undefined;
  readonly attributes: Attribute[];
  dropped: number;
}
const owner = (): Owner => ({ name: undefined, version: undefined, attributes: [], dropped: 0 });

function readResourceSpans(w: Wire, ri: number): void {
  const r = w.r;
  w.where = `resourceSpans[${ri}]`;
  const outer = w.enter("(itself)");
  // The index is taken before the fields are read: a resource may come after its spans on the wire.
  const resource = w.resources.push({}) - 1;
  const res = owner();
  let schemaUrl: string | undefined;
  let scopeSpans = 0;
  while (r.pos < r.len) {
    const t = r.tag();
    if (t === T.ResourceSpans.resource) {
      const inner = w.enter("resource");
      while (r.pos < r.len) {
        const u = r.tag();
        if (u === T.Resource.attributes)
          readKeyValue(w, res.attributes, "resource.attributes", 0, MAX_ATTRIBUTES);
        else if (u === T.Resource.droppedAttributesCount) res.dropped = r.uint32();
        else w.skip(u);
      }
      r.len = inner;
    } else if (t === T.ResourceSpans.scopeSpans) {
      if (scopeSpans === MAX_SPANS)
        w.fail("OTLP_TOO_LARGE", "scopeSpans", `at most ${MAX_SPANS} items`, `${MAX_SPANS + 1} or more`);
      readScopeSpans(w, ri, scopeSpans++, resource);
      w.where = `resourceSpans[${ri}]`;
    } else if (t === T.ResourceSpans.schemaUrl) schemaUrl = w.string("schemaUrl", 2048);
    else w.skip(t);
  }
  r.len = outer;
  w.resources[resource] = resourceRecord(
    res.attributes.length > 0 ? res.attributes : undefined,
    res.dropped || undefined,
    schemaUrl,
  );
}

function readScopeSpans(w: Wire, ri: number, si: number, resource: number): void {
  const r = w.r;
  w.where = `resourceSpans[${ri}].scopeSpans[${si}]`;
  const outer = w.enter("(itself)");
  const scope = w.scopes.push({ name: "" }) - 1;
  const sc = owner();
  let schemaUrl: string | undefined;
  while (r.pos < r.len) {
    const t = r.tag();
    if (t === T.ScopeSpans.spans) {
      if (w.spans.length === MAX_SPANS)
        w.fail("OTLP_TOO_LARGE", "spans", `at most ${MAX_SPANS} spans in one request`, `${MAX_SPANS + 1}`);
      w.span = w.spans.length;
      w.spans.push(readSpan(w, resource, scope));
      w.span = -1;
    } else if (t === T.ScopeSpans.scope) {
      const inner = w.enter("scope");
      while (r.pos < r.len) {
        const u = r.tag();
        if (u === T.InstrumentationScope.name) sc.name = w.string("scope.name", 4096);
        else if (u === T.InstrumentationScope.version) sc.version = w.string("scope.version", 1024);
        else if (u === T.InstrumentationScope.attributes)
          readKeyValue(w, sc.attributes, "scope.attributes", 0, MAX_ATTRIBUTES);
        else if (u === T.InstrumentationScope.droppedAttributesCount) sc.dropped = r.uint32();
        else w.skip(u);
      }
      r.len = inner;
    } else if (t === T.ScopeSpans.schemaUrl) schemaUrl = w.string("schemaUrl", 2048);
    else w.skip(t);
  }
  r.len = outer;
  w.scopes[scope] = scopeRecord(
    sc.name ?? "",
    sc.version,
    sc.attributes.length > 0 ? sc.attributes : undefined,
    sc.dropped || undefined,
    schemaUrl,
  );
}

function readSpan(w: Wire, resource: number, scope: number): SpanRecord {
  const r = w.r;
  const outer = w.enter("(itself)");
  let traceId: string | undefined;
  let spanId: string | undefined;
  let parentSpanId: string | undefined;
  let traceState: string | undefined;
  let flags = 0;
  let name: string | undefined;
  let kind = 0;
  let start: string | undefined;
  let end: string | undefined;
  let statusCode = 0;
  let statusMessage: string | undefined;
  const attributes: Attribute[] = [];
  let droppedAttributes = 0;
  // Most spans have no events or links: their lists are made when the first comes.
  let events: SpanEvent[] | undefined;
  let droppedEvents = 0;
  let links: SpanLinkRecord[] | undefined;
  let droppedLinks = 0;
  while (r.pos < r.len) {
    const t = r.tag();
    switch (t) {
      case T.Span.traceId:
        traceId = w.id("traceId", 16);
        break;
      case T.Span.spanId:
        spanId = w.id("spanId", 8);
        break;
      case T.Span.traceState:
        traceState = w.string("traceState", 4096);
        break;
      case T.Span.parentSpanId:
        parentSpanId = w.id("parentSpanId", 8);
        break;
      case T.Span.name:
        name = w.string("name", 4096);
        break;
      case T.Span.kind:
        kind = r.int32();
        if (kind < 0 || kind > 5) w.fail("OTLP_INVALID", "kind", "a SpanKind integer 0..5", String(kind));
        break;
      case T.Span.startTimeUnixNano:
        start = w.nanos("startTimeUnixNano");
        break;
      case T.Span.endTimeUnixNano:
        end = w.nanos("endTimeUnixNano");
        break;
      case T.Span.attributes:
        readKeyValue(w, attributes, "attributes", 0, MAX_ATTRIBUTES);
        break;
      case T.Span.droppedAttributesCount:
        droppedAttributes = r.uint32();
        break;
      case T.Span.events:
        events ??= [];
        if (events.length === MAX_EVENTS)
          w.fail("OTLP_TOO_LARGE", "events", `at most ${MAX_EVENTS} items`, `${MAX_EVENTS + 1} or more`);
        events.push(readEvent(w, events.length));
        break;
      case T.Span.droppedEventsCount:
        droppedEvents = r.uint32();
        break;
      case T.Span.links:
        links ??= [];
        if (links.length === MAX_LINKS)
          w.fail("OTLP_TOO_LARGE", "links", `at most ${MAX_LINKS} items`, `${MAX_LINKS + 1} or more`);
        links.push(readLink(w, links.length));
        break;
      case T.Span.droppedLinksCount:
        droppedLinks = r.uint32();
        break;
      case T.Span.status: {
        const inner = w.enter("status");
        while (r.pos < r.len) {
          const u = r.tag();
          if (u === T.Status.code) {
            statusCode = r.int32();
            if (statusCode < 0 || statusCode > 2)
              w.fail("OTLP_INVALID", "status.code", "0 (unset), 1 (ok) or 2 (error)", String(statusCode));
          } else if (u === T.Status.message) statusMessage = w.string("status.message", MAX_STRING_CHARS);
          else w.skip(u);
        }
        r.len = inner;
        break;
      }
      case T.Span.flags:
        flags = r.fixed32();
        break;
      default:
        w.skip(t);
    }
  }
  r.len = outer;
  return spanRecord({
    resource,
    scope,
    traceId: requiredId(w, traceId, "traceId", 16),
    spanId: requiredId(w, spanId, "spanId", 8),
    // OTLP: an all-zero parent span id means no parent.
    parentSpanId: parentSpanId === ZERO_SPAN ? undefined : parentSpanId,
    traceState,
    flags: flags || undefined,
    name: name ?? "",
    kind,
    start: start ?? w.fail("OTLP_INVALID", "startTimeUnixNano", "unix nanoseconds", "none"),
    end: end ?? w.fail("OTLP_INVALID", "endTimeUnixNano", "unix nanoseconds", "none"),
    status: statusRecord(statusCode, statusMessage),
    attributes: attributes.length > 0 ? attributes : undefined,
    droppedAttributes: droppedAttributes || undefined,
    events,
    droppedEvents: droppedEvents || undefined,
    links,
    droppedLinks: droppedLinks || undefined,
  });
}

/** OTLP: a trace or span id must be there and must not be all zeros. */
function requiredId(w: Wire, id: string | undefined, field: string, bytes: 8 | 16): string {
  if (id === undefined) w.fail("OTLP_INVALID", field, `a ${bytes}-byte id`, "none");
  if (id === (bytes === 16 ? ZERO_TRACE : ZERO_SPAN))
    w.fail("OTLP_INVALID", field, "a non-zero id", preview(id));
  return id;
}

function readEvent(w: Wire, i: number): SpanEvent {
  const r = w.r;
  const outer = w.enter(`events[${i}]`);
  let time = "0";
  let name: string | undefined;
  const attributes: Attribute[] = [];
  let dropped = 0;
  while (r.pos < r.len) {
    const t = r.tag();
    if (t === T.Event.timeUnixNano) time = w.nanos(`events[${i}].timeUnixNano`) ?? "0";
    else if (t === T.Event.name) name = w.string(`events[${i}].name`, 4096);
    else if (t === T.Event.attributes)
      readKeyValue(w, attributes, `events[${i}].attributes`, 0, MAX_ATTRIBUTES);
    else if (t === T.Event.droppedAttributesCount) dropped = r.uint32();
    else w.skip(t);
  }
  r.len = outer;
  return eventRecord(time, name ?? "", attributes.length > 0 ? attributes : undefined, dropped || undefined);
}

function readLink(w: Wire, i: number): SpanLinkRecord {
  const r = w.r;
  const outer = w.enter(`links[${i}]`);
  let traceId: string | undefined;
  let spanId: string | undefined;
  let traceState: string | undefined;
  let flags = 0;
  const attributes: Attribute[] = [];
  let dropped = 0;
  while (r.pos < r.len) {
    const t = r.tag();
    if (t === T.Link.traceId) traceId = w.id(`links[${i}].traceId`, 16);
    else if (t === T.Link.spanId) spanId = w.id(`links[${i}].spanId`, 8);
    else if (t === T.Link.traceState) traceState = w.string(`links[${i}].traceState`, 4096);
    else if (t === T.Link.attributes)
      readKeyValue(w, attributes, `links[${i}].attributes`, 0, MAX_ATTRIBUTES);
    else if (t === T.Link.droppedAttributesCount) dropped = r.uint32();
    else if (t === T.Link.flags) flags = r.fixed32();
    else w.skip(t);
  }
  r.len = outer;
  return linkRecord(
    requiredId(w, traceId, `links[${i}].traceId`, 16),
    requiredId(w, spanId, `links[${i}].spanId`, 8),
    traceState,
    flags || undefined,
    attributes.length > 0 ? attributes : undefined,
    dropped || undefined,
  );
}

/**
 * One KeyValue, appended to `list` (at most `max`). `field` is where the list is, for messages; a
 * key is required (proto3 does not encode an empty one, so an empty key is a missing one).
 */
function readKeyValue(w: Wire, list: Attribute[], field: string, depth: number, max: number): void {
  const r = w.r;
  if (list.length === max) w.fail("OTLP_TOO_LARGE", field, `at most ${max} items`, `${max + 1} or more`);
  const outer = w.enter(field);
  let key: string | undefined;
  let value: AttributeValue = null;
  while (r.pos < r.len) {
    const t = r.tag();
    if (t === T.KeyValue.key) {
      const start = w.bytes(field);
      key = r.pos === start ? undefined : (w.text(start) ?? w.notUtf8(`${field}[${list.length}].key`, start));
      if (key !== undefined && key.length > 1024)
        w.fail("OTLP_INVALID", `${field}[${list.length}].key`, KEY_EXPECTED, preview(key));
    } else if (t === T.KeyValue.value) value = readAnyValue(w, field, key ?? "", depth, value);
    else w.skip(t);
  }
  r.len = outer;
  if (key === undefined) w.fail("OTLP_INVALID", `${field}[${list.length}].key`, KEY_EXPECTED, "none");
  list.push([key, value]);
}
const KEY_EXPECTED = "a string of at most 1,024 characters";

/**
 * An AnyValue. `field` and `key` name it in messages (joined only on failure: this runs for every
 * attribute of every span). `prev` is the value an earlier occurrence of the same field gave: the
 * last member set wins, and an array or key-value list sent again is appended to.
 */
function readAnyValue(
  w: Wire,
  field: string,
  key: string,
  depth: number,
  prev: AttributeValue,
): AttributeValue {
  const r = w.r;
  const outer = w.enter(field);
  let v = prev;
  while (r.pos < r.len) {
    const t = r.tag();
    switch (t) {
      case T.AnyValue.stringValue: {
        const start = w.bytes(field);
        const s = w.text(start) ?? w.notUtf8(`${at(field, key)}.stringValue`, start);
        if (s.length > MAX_STRING_CHARS)
          w.fail(
            "OTLP_TOO_LARGE",
            `${at(field, key)}.stringValue`,
            `at most ${MAX_STRING_CHARS.toLocaleString("en")} characters`,
            preview(s),
          );
        v = s;
        break;
      }
      case T.AnyValue.boolValue:
        v = r.bool();
        break;
      case T.AnyValue.intValue:
        v = { i: w.int64(field) };
        break;
      case T.AnyValue.doubleValue:
        v = doubleValue(w.double(field));
        break;
      case T.AnyValue.bytesValue: {
        const start = w.bytes(field);
        const n = r.pos - start;
        if (Math.ceil(n / 3) * 4 > MAX_STRING_CHARS)
          w.fail(
            "OTLP_TOO_LARGE",
            `${at(field, key)}.bytesValue`,
            `at most ${MAX_STRING_CHARS} base64 characters`,
            `${n} bytes`,
          );
        v = { b: w.buf.toString("base64", start, r.pos) };
        break;
      }
      case T.AnyValue.arrayValue: {
        // Checked before going down, so hostile nesting cannot run the stack out.
        if (depth > MAX_VALUE_DEPTH) nestedTooDeep(w, at(field, key));
        const items: AttributeValue[] =
          v !== null && typeof v === "object" && "a" in v ? (v.a as AttributeValue[]) : [];
        const inner = w.enter(`${at(field, key)}.arrayValue`);
        while (r.pos < r.len) {
          const u = r.tag();
          if (u === T.ArrayValue.values) {
            if (items.length === MAX_VALUE_ITEMS)
              w.fail(
                "OTLP_TOO_LARGE",
                `${at(field, key)}.arrayValue.values`,
                `at most ${MAX_VALUE_ITEMS} items`,
                `${MAX_VALUE_ITEMS + 1} or more`,
              );
            items.push(readAnyValue(w, field, `${key}[${items.length}]`, depth + 1, null));
          } else w.skip(u);
        }
        r.len = inner;
        v = { a: items };
        break;
      }
      case T.AnyValue.kvlistValue: {
        if (depth > MAX_VALUE_DEPTH) nestedTooDeep(w, at(field, key));
        const kvs: Attribute[] =
          v !== null && typeof v === "object" && "kv" in v ? (v.kv as Attribute[]) : [];
        const inner = w.enter(`${at(field, key)}.kvlistValue`);
        while (r.pos < r.len) {
          const u = r.tag();
          if (u === T.KeyValueList.values)
            readKeyValue(w, kvs, `${at(field, key)}.kvlistValue.values`, depth + 1, MAX_VALUE_ITEMS);
          else w.skip(u);
        }
        r.len = inner;
        v = { kv: kvs };
        break;
      }
      default:
        w.skip(t);
    }
  }
  r.len = outer;
  // As in the JSON reader: past the depth bound only a string may stand.
  if (depth > MAX_VALUE_DEPTH && typeof v !== "string") nestedTooDeep(w, at(field, key));
  return v;
}

/** An attribute value's place in messages: its list and its key. */
const at = (field: string, key: string) => `${field} ${preview(key)}`;

function nestedTooDeep(w: Wire, field: string): never {
  return w.fail("OTLP_TOO_LARGE", field, `values nested at most ${MAX_VALUE_DEPTH} deep`, "deeper");
}

/**
 * Decode an OTLP/HTTP protobuf body into a span batch's body. Throws OtlpError (`OTLP_INVALID`,
 * `OTLP_TOO_LARGE`).
 *
 * @example decodeOtlpProtobuf(new Uint8Array()).spans // [] (an empty request)
 */
export function decodeOtlpProtobuf(body: Uint8Array): SpanBatchBody {
  const w = new Wire(body);
  try {
    readRequest(w);
  } catch (cause) {
    if (cause instanceof OtlpError) throw cause;
    throw new OtlpError(
      "OTLP_INVALID",
      `OTLP protobuf body: expected an ExportTraceServiceRequest, got ${body.length} bytes that do not decode as one (at byte ${w.r.pos}, ${w.place()}: ${(cause as Error).message.slice(0, 120)})`,
      { cause },
    );
  }
  return { resources: w.resources, scopes: w.scopes, spans: w.spans };
}
