/**
 * The protobuf reader on its own: its tags agree with the vendored protos' descriptor; it reads
 * what protobufjs's full decode read (the recorded trace, and random requests), to the same
 * records key for key; protobuf's own rules (unknown fields, wrong wire types, merged messages,
 * exact 64-bit values); and a table of hostile bodies refused with codes, including every
 * truncation of a real body.
 */
import fs from "node:fs";
import fc from "fast-check";
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { OptprovError } from "../../errors.js";
import { MAX_ATTRIBUTES, MAX_STRING_CHARS, MAX_VALUE_DEPTH } from "../../ledger/span-batch.js";
import { decodeOtlpJson, readExportRequest } from "./decode.js";
import { decodeOtlpProtobuf, OTLP_TRACE_TAGS } from "./decode-protobuf.js";
import { fixturePath, PROCESSES } from "./test-support/multi-agent-trace.js";
import { exportRequestType } from "./test-support/proto-descriptor.js";
import { OTLP_TRACE_DESCRIPTOR } from "./trace-descriptor.js";

const type = exportRequestType();
const encode = (request: unknown): Uint8Array =>
  type.encode(type.fromObject(request as Record<string, unknown>)).finish();
const b64 = (hex: string) => Buffer.from(hex, "hex").toString("base64");

/** What protobufjs's full decode gave: messages, then the OTLP JSON shape, then the JSON reader. */
function throughProtobufjs(body: Uint8Array) {
  const object = type.toObject(type.decode(body), {
    longs: String,
    enums: Number,
    bytes: String,
    json: true,
  });
  return readExportRequest(object, "base64");
}

/** The code of what `f` throws (failing the test if it throws something without one, or nothing). */
function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof OptprovError) return e.code;
    throw e;
  }
  throw new Error("expected an OtlpError, nothing was thrown");
}

/** A one-span request in the protobufjs object shape (ids in base64), with `patch` applied to the span. */
function oneSpan(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }] },
        scopeSpans: [
          {
            scope: { name: "s", version: "1" },
            spans: [
              {
                traceId: b64("5b8efff798038103d269b633813fc60c"),
                spanId: b64("eee19b7ec3c1b174"),
                name: "invoke_agent x",
                kind: 1,
                startTimeUnixNano: "1544712660000000000",
                endTimeUnixNano: "1544712661000000000",
                attributes: [
                  { key: "gen_ai.operation.name", value: { stringValue: "invoke_agent" } },
                  { key: "gen_ai.agent.name", value: { stringValue: "x" } },
                ],
                ...patch,
              },
            ],
          },
        ],
      },
    ],
  };
}

/** Hand-written wire bytes, for what protobufjs's encoder will not write. */
const w = () => protobuf.Writer.create();
/** A request whose one span is `span` (its encoded fields). */
function withSpan(span: Uint8Array): Uint8Array {
  const scopeSpans = w().uint32(OTLP_TRACE_TAGS.ScopeSpans.spans).bytes(span).finish();
  const resourceSpans = w().uint32(OTLP_TRACE_TAGS.ResourceSpans.scopeSpans).bytes(scopeSpans).finish();
  return w().uint32(OTLP_TRACE_TAGS.ExportTraceServiceRequest.resourceSpans).bytes(resourceSpans).finish();
}
/** The fields of a valid span, to which a test appends one more. */
function spanFields(): protobuf.Writer {
  const s = OTLP_TRACE_TAGS.Span;
  return w()
    .uint32(s.traceId)
    .bytes(Buffer.alloc(16, 1))
    .uint32(s.spanId)
    .bytes(Buffer.alloc(8, 2))
    .uint32(s.name)
    .string("x")
    .uint32(s.startTimeUnixNano)
    .fixed64(1)
    .uint32(s.endTimeUnixNano)
    .fixed64(2);
}
const attribute = (key: string, value: Uint8Array) =>
  w()
    .uint32(OTLP_TRACE_TAGS.KeyValue.key)
    .string(key)
    .uint32(OTLP_TRACE_TAGS.KeyValue.value)
    .bytes(value)
    .finish();

describe("the tags read", () => {
  it("are the field numbers and wire types of the vendored protos", () => {
    const root = protobuf.Root.fromJSON(OTLP_TRACE_DESCRIPTOR as protobuf.INamespace);
    const wire = (f: protobuf.Field): number => {
      f.resolve();
      if (f.resolvedType instanceof protobuf.Type) return 2;
      if (f.resolvedType instanceof protobuf.Enum) return 0;
      const byType: Record<string, number> = {
        string: 2,
        bytes: 2,
        fixed64: 1,
        double: 1,
        fixed32: 5,
        uint32: 0,
        int32: 0,
        int64: 0,
        bool: 0,
      };
      const t = byType[f.type];
      if (t === undefined) throw new Error(`no wire type for ${f.type}`);
      return t;
    };
    const packages: Record<keyof typeof OTLP_TRACE_TAGS, string> = {
      ExportTraceServiceRequest: "collector.trace.v1",
      ResourceSpans: "trace.v1",
      ScopeSpans: "trace.v1",
      Span: "trace.v1",
      Event: "trace.v1.Span",
      Link: "trace.v1.Span",
      Status: "trace.v1",
      Resource: "resource.v1",
      InstrumentationScope: "common.v1",
      KeyValue: "common.v1",
      AnyValue: "common.v1",
      ArrayValue: "common.v1",
      KeyValueList: "common.v1",
    };
    let checked = 0;
    for (const [message, tags] of Object.entries(OTLP_TRACE_TAGS)) {
      const t = root.lookupType(
        `opentelemetry.proto.${packages[message as keyof typeof packages]}.${message}`,
      );
      for (const [name, tag] of Object.entries(tags)) {
        const field = t.fields[name];
        expect(field, `${message}.${name}`).toBeDefined();
        expect(tag, `${message}.${name}`).toBe((field!.id << 3) | wire(field!));
        checked++;
      }
    }
    expect(checked).toBe(52);
  });
});

describe("reads what protobufjs's full decode read", () => {
  it("the recorded trace, to records equal key for key", () => {
    for (const p of PROCESSES) {
      const body = new Uint8Array(fs.readFileSync(fixturePath(p, "pb")));
      const direct = decodeOtlpProtobuf(body);
      expect(direct.spans.length, p).toBeGreaterThan(0);
      // Key order is part of what is signed: compare the JSON text, not just the values.
      expect(JSON.stringify(direct), p).toBe(JSON.stringify(throughProtobufjs(body)));
      expect(JSON.stringify(direct), p).toBe(
        JSON.stringify(decodeOtlpJson(new Uint8Array(fs.readFileSync(fixturePath(p, "json"))))),
      );
    }
  });

  const id = (n: number) =>
    fc.uint8Array({ minLength: n, maxLength: n }).filter((b) => b.some((x) => x !== 0));
  const scalar = fc.oneof(
    fc.record({ stringValue: fc.string({ maxLength: 12, unit: "grapheme" }) }),
    fc.record({ boolValue: fc.boolean() }),
    fc.record({ intValue: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String) }),
    fc.record({ doubleValue: fc.double() }),
    fc.record({ bytesValue: fc.uint8Array({ maxLength: 9 }) }),
  );
  const anyValue = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      scalar,
      fc.record({ arrayValue: fc.record({ values: fc.array(tie("value"), { maxLength: 3 }) }) }),
      fc.record({
        kvlistValue: fc.record({
          values: fc.array(
            fc.record({ key: fc.string({ minLength: 1, maxLength: 6 }), value: tie("value") }),
            {
              maxLength: 3,
            },
          ),
        }),
      }),
    ),
  })).value;
  const attributes = fc.array(
    fc.record({
      key: fc.oneof(
        fc.constantFrom("gen_ai.operation.name", "gen_ai.agent.id", "gen_ai.agent.name"),
        fc.string({ minLength: 1, maxLength: 10 }),
      ),
      value: anyValue,
    }),
    { maxLength: 5 },
  );
  const nanos = fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }).map(String);
  const span = fc.record(
    {
      traceId: id(16),
      spanId: id(8),
      parentSpanId: fc.oneof(id(8), fc.constant(new Uint8Array(8))),
      traceState: fc.string({ maxLength: 8 }),
      flags: fc.nat({ max: 0xffffffff }),
      name: fc.string({ maxLength: 10, unit: "grapheme" }),
      kind: fc.integer({ min: 0, max: 5 }),
      startTimeUnixNano: nanos,
      endTimeUnixNano: nanos,
      attributes,
      droppedAttributesCount: fc.nat({ max: 0xffffffff }),
      events: fc.array(
        fc.record({
          timeUnixNano: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
          name: fc.string(),
          attributes,
        }),
        { maxLength: 2 },
      ),
      links: fc.array(
        fc.record({ traceId: id(16), spanId: id(8), traceState: fc.string({ maxLength: 4 }), attributes }),
        {
          maxLength: 2,
        },
      ),
      status: fc.record({ code: fc.integer({ min: 0, max: 2 }), message: fc.string({ maxLength: 6 }) }),
    },
    { requiredKeys: ["traceId", "spanId", "startTimeUnixNano", "endTimeUnixNano"] },
  );
  const request = fc.record({
    resourceSpans: fc.array(
      fc.record({
        resource: fc.record({ attributes, droppedAttributesCount: fc.nat({ max: 9 }) }),
        scopeSpans: fc.array(
          fc.record({
            scope: fc.record({
              name: fc.string({ maxLength: 6 }),
              version: fc.string({ maxLength: 4 }),
              attributes,
            }),
            spans: fc.array(span, { maxLength: 3 }),
            schemaUrl: fc.string({ maxLength: 6 }),
          }),
          { maxLength: 2 },
        ),
        schemaUrl: fc.string({ maxLength: 6 }),
      }),
      { maxLength: 2 },
    ),
  });

  it("random requests, to records equal key for key", () => {
    fc.assert(
      fc.property(request, (r) => {
        const body = encode(r);
        expect(JSON.stringify(decodeOtlpProtobuf(body))).toBe(JSON.stringify(throughProtobufjs(body)));
      }),
      { numRuns: 200 },
    );
  });
});

describe("protobuf's own rules", () => {
  it("skips unknown fields, groups among them, and known fields sent with another wire type", () => {
    const s = OTLP_TRACE_TAGS.Span;
    const span = spanFields()
      .uint32((99 << 3) | 0)
      .uint64(12345)
      .uint32((98 << 3) | 3) // a group: start, a field inside, end
      .uint32((1 << 3) | 0)
      .uint32(7)
      .uint32((98 << 3) | 4)
      .uint32((s.kind & ~7) | 2) // kind as a length-delimited field: not the kind
      .bytes(Buffer.from([9]))
      .finish();
    const [read] = decodeOtlpProtobuf(withSpan(span)).spans;
    expect(read).toMatchObject({ traceId: "01".repeat(16), spanId: "02".repeat(8), name: "x", kind: 0 });
  });

  it("merges a message field sent twice: the resource's attributes from both", () => {
    const rs = OTLP_TRACE_TAGS.ResourceSpans;
    const resource = (key: string) =>
      w()
        .uint32(OTLP_TRACE_TAGS.Resource.attributes)
        .bytes(attribute(key, w().uint32(10).string("v").finish()))
        .finish();
    const body = w()
      .uint32(OTLP_TRACE_TAGS.ExportTraceServiceRequest.resourceSpans)
      .bytes(w().uint32(rs.resource).bytes(resource("a")).uint32(rs.resource).bytes(resource("b")).finish())
      .finish();
    expect(decodeOtlpProtobuf(body).resources).toEqual([
      {
        attributes: [
          ["a", "v"],
          ["b", "v"],
        ],
      },
    ]);
  });

  it("keeps 64-bit values exact at the ends of their ranges", () => {
    const ints = ["-9223372036854775808", "9223372036854775807", "-1", "0", "4294967296", "-4294967297"];
    const body = encode(
      oneSpan({
        startTimeUnixNano: "18446744073709551615",
        endTimeUnixNano: "9007199254740993",
        attributes: ints.map((i, n) => ({ key: `i${n}`, value: { intValue: i } })),
      }),
    );
    const [span] = decodeOtlpProtobuf(body).spans;
    expect(span).toMatchObject({ start: "18446744073709551615", end: "9007199254740993" });
    expect(span?.attributes).toEqual(ints.map((i, n) => [`i${n}`, { i }]));
  });

  it("reads an empty string value as the empty string, and an attribute with no value as null", () => {
    const span = spanFields()
      .uint32(OTLP_TRACE_TAGS.Span.attributes)
      .bytes(attribute("empty", w().uint32(OTLP_TRACE_TAGS.AnyValue.stringValue).string("").finish()))
      .uint32(OTLP_TRACE_TAGS.Span.attributes)
      .bytes(w().uint32(OTLP_TRACE_TAGS.KeyValue.key).string("none").finish())
      .finish();
    expect(decodeOtlpProtobuf(withSpan(span)).spans[0]?.attributes).toEqual([
      ["empty", ""],
      ["none", null],
    ]);
  });
});

describe("hostile protobuf bodies are refused with codes", () => {
  const s = OTLP_TRACE_TAGS.Span;
  const nested = (depth: number): Uint8Array => {
    let v = w().uint32(OTLP_TRACE_TAGS.AnyValue.boolValue).bool(true).finish();
    for (let i = 0; i < depth; i++)
      v = w()
        .uint32(OTLP_TRACE_TAGS.AnyValue.arrayValue)
        .bytes(w().uint32(OTLP_TRACE_TAGS.ArrayValue.values).bytes(v).finish())
        .finish();
    return v;
  };
  const cases: [string, Uint8Array, string][] = [
    ["a trace id of 15 bytes", encode(oneSpan({ traceId: Buffer.alloc(15, 1) })), "OTLP_INVALID"],
    ["a trace id of 17 bytes", encode(oneSpan({ traceId: Buffer.alloc(17, 1) })), "OTLP_INVALID"],
    ["a span id of 9 bytes", encode(oneSpan({ spanId: Buffer.alloc(9, 1) })), "OTLP_INVALID"],
    ["a parent span id of 4 bytes", encode(oneSpan({ parentSpanId: Buffer.alloc(4, 1) })), "OTLP_INVALID"],
    [
      "a link's trace id of 8 bytes",
      encode(oneSpan({ links: [{ traceId: Buffer.alloc(8, 1), spanId: Buffer.alloc(8, 1) }] })),
      "OTLP_INVALID",
    ],
    ["an all-zero trace id", encode(oneSpan({ traceId: Buffer.alloc(16) })), "OTLP_INVALID"],
    ["a missing span id", encode(oneSpan({ spanId: undefined })), "OTLP_INVALID"],
    ["a missing start time", encode(oneSpan({ startTimeUnixNano: "0" })), "OTLP_INVALID"],
    ["a span kind out of range", encode(oneSpan({ kind: 9 })), "OTLP_INVALID"],
    ["a negative span kind", encode(oneSpan({ kind: -1 })), "OTLP_INVALID"],
    ["a status code out of range", encode(oneSpan({ status: { code: 7 } })), "OTLP_INVALID"],
    [
      "a name that is not UTF-8",
      withSpan(
        spanFields()
          .uint32(s.name)
          .bytes(Buffer.from([0x61, 0xff, 0xfe]))
          .finish(),
      ),
      "OTLP_INVALID",
    ],
    [
      "an attribute without a key",
      encode(oneSpan({ attributes: [{ value: { stringValue: "v" } }] })),
      "OTLP_INVALID",
    ],
    [
      "a huge attribute",
      encode(
        oneSpan({
          attributes: [{ key: "prompt", value: { stringValue: "x".repeat(MAX_STRING_CHARS + 1) } }],
        }),
      ),
      "OTLP_TOO_LARGE",
    ],
    [
      "too many attributes",
      encode(
        oneSpan({
          attributes: Array.from({ length: MAX_ATTRIBUTES + 1 }, (_, i) => ({
            key: `k${i}`,
            value: { boolValue: true },
          })),
        }),
      ),
      "OTLP_TOO_LARGE",
    ],
    [
      "values nested too deep",
      withSpan(
        spanFields()
          .uint32(s.attributes)
          .bytes(attribute("deep", nested(12)))
          .finish(),
      ),
      "OTLP_TOO_LARGE",
    ],
    [
      "a bool nested one deeper than the bound",
      withSpan(
        spanFields()
          .uint32(s.attributes)
          .bytes(attribute("deep", nested(MAX_VALUE_DEPTH + 1)))
          .finish(),
      ),
      "OTLP_TOO_LARGE",
    ],
    [
      "values nested ten thousand deep (no stack overflow)",
      withSpan(
        spanFields()
          .uint32(s.attributes)
          .bytes(attribute("deep", nested(10_000)))
          .finish(),
      ),
      "OTLP_TOO_LARGE",
    ],
    [
      "an intValue varint of 11 bytes",
      withSpan(
        spanFields()
          .uint32(s.attributes)
          .bytes(
            attribute("n", Buffer.from([OTLP_TRACE_TAGS.AnyValue.intValue, ...Array(10).fill(0xff), 0x01])),
          )
          .finish(),
      ),
      "OTLP_INVALID",
    ],
    [
      "wire type 7",
      withSpan(
        spanFields()
          .uint32((30 << 3) | 7)
          .finish(),
      ),
      "OTLP_INVALID",
    ],
    ["field number 0", withSpan(spanFields().uint32(0).uint32(1).finish()), "OTLP_INVALID"],
    [
      "an end group with no start",
      withSpan(
        spanFields()
          .uint32((30 << 3) | 4)
          .finish(),
      ),
      "OTLP_INVALID",
    ],
    [
      "a span whose length runs past its ScopeSpans",
      (() => {
        const span = spanFields().finish();
        // The span claims 40 bytes more than it has; the body goes on, so only the ScopeSpans' own
        // length tells.
        const scopeSpans = Buffer.concat([
          w()
            .uint32(OTLP_TRACE_TAGS.ScopeSpans.spans)
            .uint32(span.length + 40)
            .finish(),
          span,
        ]);
        const rs = w().uint32(OTLP_TRACE_TAGS.ResourceSpans.scopeSpans).bytes(scopeSpans).finish();
        return Buffer.concat([
          w().uint32(OTLP_TRACE_TAGS.ExportTraceServiceRequest.resourceSpans).bytes(rs).finish(),
          Buffer.alloc(64, 0x08),
        ]);
      })(),
      "OTLP_INVALID",
    ],
  ];

  it.each(cases)("%s", (_what, body, code) => {
    expect(codeOf(() => decodeOtlpProtobuf(body))).toBe(code);
  });

  it("keeps a value nested as deep as the bound, as the JSON reader does", () => {
    const body = withSpan(
      spanFields()
        .uint32(s.attributes)
        .bytes(attribute("deep", nested(MAX_VALUE_DEPTH)))
        .finish(),
    );
    let value: unknown = true;
    for (let i = 0; i < MAX_VALUE_DEPTH; i++) value = { a: [value] };
    expect(decodeOtlpProtobuf(body).spans[0]?.attributes).toEqual([["deep", value]]);
  });

  it("says which span, which field, what was expected and what came", () => {
    const body = encode(oneSpan({ spanId: Buffer.alloc(9, 1) }));
    expect(() => decodeOtlpProtobuf(body)).toThrow("OTLP span 0: spanId: expected 8 bytes, got 9 bytes");
  });

  it("refuses every truncation of a recorded body", () => {
    const body = new Uint8Array(fs.readFileSync(fixturePath("writer-service", "pb")));
    expect(decodeOtlpProtobuf(body).spans.length).toBeGreaterThan(0);
    // One ResourceSpans: any cut inside it leaves its length prefix claiming bytes that are not there.
    for (let n = 1; n < body.length; n++)
      expect(
        codeOf(() => decodeOtlpProtobuf(body.subarray(0, n))),
        `${n} of ${body.length} bytes`,
      ).toBe("OTLP_INVALID");
  });
});
