/**
 * A span batch's spans back as an OTLP JSON export request, as they came: the resources, scopes,
 * spans and every attribute, in order. What a reader hands to OpenTelemetry tools, and how a test
 * shows nothing was lost in the ledger.
 */
import type { Attribute, AttributeValue, SpanBatchBody } from "../../ledger/span-batch.js";

type Json = Record<string, unknown>;

function anyValue(v: AttributeValue): Json {
  if (v === null) return {};
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (typeof v === "number") return { doubleValue: v };
  if ("i" in v) return { intValue: v.i };
  if ("d" in v) return { doubleValue: v.d };
  if ("b" in v) return { bytesValue: v.b };
  if ("a" in v) return { arrayValue: { values: v.a.map(anyValue) } };
  return { kvlistValue: { values: keyValues(v.kv) } };
}

function keyValues(attributes: readonly Attribute[] | undefined): Json[] {
  return (attributes ?? []).map(([key, value]) => ({ key, value: anyValue(value) }));
}

const opt = <T>(name: string, v: T | undefined): Json => (v === undefined ? {} : { [name]: v });

/**
 * @example JSON.stringify(toOtlpJson(statement.predicate)) // an ExportTraceServiceRequest
 */
export function toOtlpJson(body: SpanBatchBody): { resourceSpans: Json[] } {
  const resourceSpans: Json[] = [];
  const byResource = new Map<number, Map<number, Json[]>>();
  for (const s of body.spans) {
    let scopes = byResource.get(s.resource);
    if (scopes === undefined) {
      scopes = new Map();
      byResource.set(s.resource, scopes);
    }
    let spans = scopes.get(s.scope);
    if (spans === undefined) {
      spans = [];
      scopes.set(s.scope, spans);
    }
    spans.push({
      traceId: s.traceId,
      spanId: s.spanId,
      ...opt("traceState", s.traceState),
      ...opt("parentSpanId", s.parentSpanId),
      ...opt("flags", s.flags),
      name: s.name,
      kind: s.kind,
      startTimeUnixNano: s.start,
      endTimeUnixNano: s.end,
      attributes: keyValues(s.attributes),
      ...opt("droppedAttributesCount", s.droppedAttributes),
      events: (s.events ?? []).map((e) => ({
        timeUnixNano: e.time,
        name: e.name,
        attributes: keyValues(e.attributes),
        ...opt("droppedAttributesCount", e.droppedAttributes),
      })),
      ...opt("droppedEventsCount", s.droppedEvents),
      links: (s.links ?? []).map((l) => ({
        traceId: l.traceId,
        spanId: l.spanId,
        ...opt("traceState", l.traceState),
        ...opt("flags", l.flags),
        attributes: keyValues(l.attributes),
        ...opt("droppedAttributesCount", l.droppedAttributes),
      })),
      ...opt("droppedLinksCount", s.droppedLinks),
      status: s.status ?? {},
    });
  }
  for (const [r, scopes] of byResource) {
    const resource = body.resources[r];
    resourceSpans.push({
      resource: {
        attributes: keyValues(resource?.attributes),
        ...opt("droppedAttributesCount", resource?.droppedAttributes),
      },
      scopeSpans: [...scopes].map(([sc, spans]) => {
        const scope = body.scopes[sc];
        return {
          scope: {
            name: scope?.name ?? "",
            ...opt("version", scope?.version),
            attributes: keyValues(scope?.attributes),
            ...opt("droppedAttributesCount", scope?.droppedAttributes),
          },
          spans,
          ...opt("schemaUrl", scope?.schemaUrl),
        };
      }),
      ...opt("schemaUrl", resource?.schemaUrl),
    });
  }
  return { resourceSpans };
}
