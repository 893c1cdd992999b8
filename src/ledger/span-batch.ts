/**
 * The spans a `span-batch` entry carries: OpenTelemetry spans as a collector received them in one
 * OTLP export request, normalised (each resource and instrumentation scope once, spans pointing at
 * them by index) and with the GenAI semantic-convention attributes that name agents lifted out into
 * `genai`. Every other attribute is kept, as `[key, value]` pairs in the order they came.
 *
 * Validated by hand, like a step batch's columns: zod costs milliseconds on a 512-span batch and
 * admission reads thousands of spans a second. Sizes and depths are bounded because the spans come
 * from agents the ledger does not control (docs/otlp.md).
 */
import { preview } from "./base64.js";

/**
 * An attribute value, as OTLP's `AnyValue` says it, compactly: a string, a boolean or a finite
 * double as itself; an int64 as `{i: "<decimal>"}` (so precision and the int/double distinction
 * survive); a non-finite double as `{d: "NaN" | "Infinity" | "-Infinity"}`; bytes as `{b: base64}`;
 * an array as `{a: [...]}`; a key-value list as `{kv: [[k, v], ...]}`; an empty value as `null`.
 */
export type AttributeValue =
  | string
  | boolean
  | number
  | null
  | { readonly i: string }
  | { readonly d: "NaN" | "Infinity" | "-Infinity" }
  | { readonly b: string }
  | { readonly a: readonly AttributeValue[] }
  | { readonly kv: readonly Attribute[] };
export type Attribute = readonly [key: string, value: AttributeValue];

/** What a span says about a GenAI agent (OpenTelemetry GenAI semantic conventions, `gen_ai.*`). */
export interface GenAiFields {
  /** `gen_ai.operation.name`: `create_agent`, `invoke_agent`, `invoke_workflow`, `chat`, `execute_tool`, ... */
  readonly operation?: string;
  /** `gen_ai.agent.id`. */
  readonly agentId?: string;
  /** `gen_ai.agent.name`. */
  readonly agentName?: string;
  /** `gen_ai.request.model`. */
  readonly model?: string;
  /** `gen_ai.conversation.id`. */
  readonly conversationId?: string;
  /** The agent that made this one, when the span says so itself (OpenInference `graph.node.parent_id`). */
  readonly parentAgent?: string;
}

export interface SpanEvent {
  readonly time: string;
  readonly name: string;
  readonly attributes?: readonly Attribute[];
  readonly droppedAttributes?: number;
}

export interface SpanLinkRecord {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceState?: string;
  readonly flags?: number;
  readonly attributes?: readonly Attribute[];
  readonly droppedAttributes?: number;
}

export interface SpanRecord {
  /** Index into the batch's `resources`. */
  readonly resource: number;
  /** Index into the batch's `scopes`. */
  readonly scope: number;
  /** 32 lower-case hex digits. */
  readonly traceId: string;
  /** 16 lower-case hex digits. */
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly traceState?: string;
  readonly flags?: number;
  readonly name: string;
  /** OTLP `SpanKind`: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  /** Unix time in nanoseconds, as a decimal string (it does not fit a double). */
  readonly start: string;
  readonly end: string;
  /** OTLP `Status`: code 0 unset, 1 ok, 2 error. */
  readonly status?: { readonly code: number; readonly message?: string };
  readonly genai?: GenAiFields;
  readonly attributes?: readonly Attribute[];
  readonly droppedAttributes?: number;
  readonly events?: readonly SpanEvent[];
  readonly droppedEvents?: number;
  readonly links?: readonly SpanLinkRecord[];
  readonly droppedLinks?: number;
}

export interface ResourceRecord {
  readonly attributes?: readonly Attribute[];
  readonly droppedAttributes?: number;
  readonly schemaUrl?: string;
}

export interface ScopeRecord {
  readonly name: string;
  readonly version?: string;
  readonly attributes?: readonly Attribute[];
  readonly droppedAttributes?: number;
  readonly schemaUrl?: string;
}

export interface SpanBatchBody {
  readonly resources: readonly ResourceRecord[];
  readonly scopes: readonly ScopeRecord[];
  readonly spans: readonly SpanRecord[];
}

/** Most spans one entry holds (the entry's byte cap, `MAX_ENVELOPE_BYTES`, usually binds first). */
export const MAX_SPANS = 50_000;
/** Most attributes a span, event, link, resource or scope keeps (the OpenTelemetry SDKs' default limit). */
export const MAX_ATTRIBUTES = 128;
/** Most events and links per span (the SDKs' default limits). */
export const MAX_EVENTS = 128;
export const MAX_LINKS = 128;
/** Longest string an attribute value (or a span name, key or status message) may be, in characters. */
export const MAX_STRING_CHARS = 64 * 1024;
/** Deepest nesting of arrays and key-value lists in one attribute value. */
export const MAX_VALUE_DEPTH = 8;
/** Most values in one array or key-value list attribute. */
export const MAX_VALUE_ITEMS = 1024;

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const NANOS = /^(0|[1-9][0-9]{0,19})$/;
const INT64 = /^-?(0|[1-9][0-9]{0,18})$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const isString = (v: unknown, max = MAX_STRING_CHARS): v is string =>
  typeof v === "string" && v.length <= max;
const isCount = (v: unknown): boolean =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

/** A problem with an attribute value, or undefined. */
function valueProblem(v: unknown, depth: number): string | undefined {
  if (v === null || typeof v === "boolean") return undefined;
  if (typeof v === "string") return v.length <= MAX_STRING_CHARS ? undefined : "string too long";
  if (typeof v === "number") return Number.isFinite(v) ? undefined : "expected a finite number";
  if (!isRecord(v)) return "expected an attribute value";
  if (depth >= MAX_VALUE_DEPTH) return `nested deeper than ${MAX_VALUE_DEPTH}`;
  const keys = Object.keys(v);
  if (keys.length !== 1) return "expected one of i, d, b, a, kv";
  const k = keys[0]!;
  const x = v[k];
  switch (k) {
    case "i":
      return typeof x === "string" && INT64.test(x) ? undefined : "i: expected a decimal int64 string";
    case "d":
      return x === "NaN" || x === "Infinity" || x === "-Infinity"
        ? undefined
        : "d: expected NaN or ±Infinity";
    case "b":
      return isString(x, MAX_STRING_CHARS) && BASE64.test(x) ? undefined : "b: expected base64";
    case "a": {
      if (!Array.isArray(x) || x.length > MAX_VALUE_ITEMS)
        return `a: expected at most ${MAX_VALUE_ITEMS} values`;
      for (const item of x) {
        const p = valueProblem(item, depth + 1);
        if (p) return `a: ${p}`;
      }
      return undefined;
    }
    case "kv":
      return attributesProblem(x, depth + 1, MAX_VALUE_ITEMS);
    default:
      return `unexpected field ${preview(k)}`;
  }
}

function attributesProblem(v: unknown, depth = 0, max = MAX_ATTRIBUTES): string | undefined {
  if (!Array.isArray(v) || v.length > max) return `expected at most ${max} [key, value] pairs`;
  for (const pair of v) {
    if (!Array.isArray(pair) || pair.length !== 2 || !isString(pair[0], 1024))
      return "expected [key, value] pairs with keys of at most 1,024 characters";
    const p = valueProblem(pair[1], depth);
    if (p) return `${preview(pair[0])}: ${p}`;
  }
  return undefined;
}

type Check = (o: Record<string, unknown>) => string | undefined;

/**
 * Check an object's fields: each present field must pass its check; no other field may be present.
 * `checks` has no prototype (`table`), so a field named `constructor` or `__proto__` is unexpected.
 */
function fields(v: unknown, checks: Checks, required: readonly string[]): string | undefined {
  if (!isRecord(v)) return "expected an object";
  for (const k in v) {
    const check = checks[k];
    if (check === undefined) return `unexpected field ${preview(k)}`;
    if (v[k] === undefined) continue;
    const p = check(v);
    if (p) return `${k}: ${p}`;
  }
  for (const k of required) if (v[k] === undefined) return `${k}: missing`;
  return undefined;
}

type Checks = { readonly [field: string]: Check | undefined };
const table = (checks: Record<string, Check>): Checks => Object.assign(Object.create(null), checks);

const ok = undefined;
const str =
  (k: string, max = MAX_STRING_CHARS): Check =>
  (o) =>
    isString(o[k], max) ? ok : `expected a string of at most ${max} characters`;
const count =
  (k: string): Check =>
  (o) =>
    isCount(o[k]) ? ok : "expected a count";
const attrs =
  (k: string): Check =>
  (o) =>
    attributesProblem(o[k]);
const match =
  (k: string, re: RegExp, what: string): Check =>
  (o) =>
    typeof o[k] === "string" && re.test(o[k]) ? ok : `expected ${what}`;

const genaiChecks = table({
  operation: str("operation", 255),
  agentId: str("agentId", 1024),
  agentName: str("agentName", 1024),
  model: str("model", 1024),
  conversationId: str("conversationId", 1024),
  parentAgent: str("parentAgent", 1024),
});

const eventChecks = table({
  time: match("time", NANOS, "unix nanoseconds as a decimal string"),
  name: str("name", 4096),
  attributes: attrs("attributes"),
  droppedAttributes: count("droppedAttributes"),
});

const linkChecks = table({
  traceId: match("traceId", TRACE_ID, "32 lower-case hex digits"),
  spanId: match("spanId", SPAN_ID, "16 lower-case hex digits"),
  traceState: str("traceState", 4096),
  flags: count("flags"),
  attributes: attrs("attributes"),
  droppedAttributes: count("droppedAttributes"),
});

function list(max: number, item: Checks, required: readonly string[]) {
  return (k: string): Check =>
    (o) => {
      const v = o[k];
      if (!Array.isArray(v) || v.length > max) return `expected at most ${max} items`;
      for (const [i, x] of v.entries()) {
        const p = fields(x, item, required);
        if (p) return `${i}.${p}`;
      }
      return ok;
    };
}

function spanChecks(resources: number, scopes: number): Checks {
  const index =
    (k: string, n: number): Check =>
    (o) =>
      Number.isInteger(o[k]) && (o[k] as number) >= 0 && (o[k] as number) < n ? ok : `expected 0..${n - 1}`;
  return table({
    resource: index("resource", resources),
    scope: index("scope", scopes),
    traceId: match("traceId", TRACE_ID, "32 lower-case hex digits"),
    spanId: match("spanId", SPAN_ID, "16 lower-case hex digits"),
    parentSpanId: match("parentSpanId", SPAN_ID, "16 lower-case hex digits"),
    traceState: str("traceState", 4096),
    flags: count("flags"),
    name: str("name", 4096),
    kind: (o) =>
      Number.isInteger(o.kind) && (o.kind as number) >= 0 && (o.kind as number) <= 5 ? ok : "expected 0..5",
    start: match("start", NANOS, "unix nanoseconds as a decimal string"),
    end: match("end", NANOS, "unix nanoseconds as a decimal string"),
    status: (o) =>
      fields(
        o.status,
        {
          code: (s) => (s.code === 0 || s.code === 1 || s.code === 2 ? ok : "expected 0, 1 or 2"),
          message: str("message"),
        },
        ["code"],
      ),
    genai: (o) => fields(o.genai, genaiChecks, []),
    attributes: attrs("attributes"),
    droppedAttributes: count("droppedAttributes"),
    events: list(MAX_EVENTS, eventChecks, ["time", "name"])("events"),
    droppedEvents: count("droppedEvents"),
    links: list(MAX_LINKS, linkChecks, ["traceId", "spanId"])("links"),
    droppedLinks: count("droppedLinks"),
  });
}

const resourceChecks = table({
  attributes: attrs("attributes"),
  droppedAttributes: count("droppedAttributes"),
  schemaUrl: str("schemaUrl", 2048),
});
const scopeChecks = table({
  name: str("name", 4096),
  version: str("version", 1024),
  attributes: attrs("attributes"),
  droppedAttributes: count("droppedAttributes"),
  schemaUrl: str("schemaUrl", 2048),
});

/**
 * What is wrong with a span batch's `resources`, `scopes` and `spans`, naming the first field at
 * fault (`spans.3.traceId: expected 32 lower-case hex digits`), or undefined when nothing is.
 */
export function spanBatchProblem(resources: unknown, scopes: unknown, spans: unknown): string | undefined {
  if (!Array.isArray(resources) || resources.length > MAX_SPANS) return "resources: expected a list";
  if (!Array.isArray(scopes) || scopes.length > MAX_SPANS) return "scopes: expected a list";
  if (!Array.isArray(spans) || spans.length > MAX_SPANS) return `spans: expected at most ${MAX_SPANS} spans`;
  for (const [i, r] of resources.entries()) {
    const p = fields(r, resourceChecks, []);
    if (p) return `resources.${i}.${p}`;
  }
  for (const [i, s] of scopes.entries()) {
    const p = fields(s, scopeChecks, ["name"]);
    if (p) return `scopes.${i}.${p}`;
  }
  const checks = spanChecks(resources.length, scopes.length);
  const required = ["resource", "scope", "traceId", "spanId", "name", "kind", "start", "end"];
  for (const [i, s] of spans.entries()) {
    const p = fields(s, checks, required);
    if (p) return `spans.${i}.${p}`;
  }
  return undefined;
}

/** The GenAI operations that name an agent the ledger records as observed. */
export const AGENT_OPERATIONS: readonly string[] = ["create_agent", "invoke_agent"];

/**
 * A span as the control state sees it: where it sits in its trace (`ref` is trace id and span id
 * together), and the agent it names when it is a `create_agent` or `invoke_agent` span.
 */
export interface SpanPlace {
  readonly ref: string;
  readonly parent?: string;
  readonly links?: readonly string[];
  readonly agent?: {
    /** `gen_ai.agent.id`, else `gen_ai.agent.name`. */
    readonly key: string;
    readonly id?: string;
    readonly name?: string;
    readonly operation: string;
    readonly model?: string;
    readonly parentAgent?: string;
  };
}

/** Every span's place, for the entry's view (built field by field: this runs for every span admitted). */
export function spanPlaces(spans: readonly SpanRecord[]): SpanPlace[] {
  const out: SpanPlace[] = new Array(spans.length);
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    const place: { ref: string; parent?: string; links?: string[]; agent?: SpanPlace["agent"] } = {
      ref: s.traceId + s.spanId,
    };
    if (s.parentSpanId !== undefined) place.parent = s.traceId + s.parentSpanId;
    if (s.links !== undefined && s.links.length > 0) place.links = s.links.map((l) => l.traceId + l.spanId);
    const g = s.genai;
    const key = g?.agentId ?? g?.agentName;
    if (g?.operation !== undefined && key !== undefined && AGENT_OPERATIONS.includes(g.operation)) {
      const agent: {
        -readonly [K in keyof NonNullable<SpanPlace["agent"]>]: NonNullable<SpanPlace["agent"]>[K];
      } = { key, operation: g.operation };
      if (g.agentId !== undefined) agent.id = g.agentId;
      if (g.agentName !== undefined) agent.name = g.agentName;
      if (g.model !== undefined) agent.model = g.model;
      if (g.parentAgent !== undefined) agent.parentAgent = g.parentAgent;
      place.agent = agent;
    }
    out[i] = place;
  }
  return out;
}
