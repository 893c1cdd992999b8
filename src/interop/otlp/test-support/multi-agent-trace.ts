/**
 * A multi-agent trace recorded with the OpenTelemetry JS SDK, as three processes would emit it
 * (three tracer providers, each with its own resource and an in-memory exporter), serialised by
 * OpenTelemetry's own OTLP serialisers (`@opentelemetry/otlp-transformer`) into the bodies an OTLP
 * exporter POSTs to `/v1/traces`:
 *
 *  - `planner-service`: a workflow span; `create_agent planner`; `invoke_agent planner`, under which
 *    the planner creates and invokes `researcher` (same process) and calls `writer-service` over
 *    HTTP, the trace context propagated in W3C `traceparent` headers;
 *  - `writer-service`: the HTTP server span (a child of the planner's client span), under it
 *    `create_agent writer` and `invoke_agent writer` with a chat span carrying attributes of no
 *    convention (`acme.*`: an int, a double, a bool, an array, a key-value list, bytes);
 *  - `reviewer-service`: a new trace whose `create_agent reviewer` span links to the writer's
 *    `invoke_agent` span (how a queued hand-off is traced).
 *
 * Creator edges the ledger should read: planner (none: the workflow), researcher <- planner,
 * writer <- planner (across processes), reviewer <- writer (through the span link).
 *
 * Run it to write the fixtures beside it again:
 * `npx tsx src/interop/otlp/test-support/multi-agent-trace.ts`.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Context, context, type Link, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  type IdGenerator,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";

export const PROCESSES = ["planner-service", "writer-service", "reviewer-service"] as const;
export type ProcessName = (typeof PROCESSES)[number];

/** The edges the trace implies: agent id -> the agent id that created it (undefined: none). */
export const EXPECTED_CREATORS: Readonly<Record<string, string | undefined>> = {
  "planner-1": undefined,
  "researcher-1": "planner-1",
  "writer-1": "planner-1",
  "reviewer-1": "writer-1",
};

/** Ids counting up from a seed, so a recording is the same every time. */
function counterIds(seed: number): IdGenerator {
  let n = 0;
  const hex = (width: number) => (seed * 0x10000 + ++n).toString(16).padStart(width, "0");
  return { generateTraceId: () => hex(32), generateSpanId: () => hex(16) };
}

interface Process {
  readonly provider: BasicTracerProvider;
  readonly exporter: InMemorySpanExporter;
}

function process_(name: ProcessName, seed: number): Process {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": name, "service.version": "1.0.0" }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    idGenerator: counterIds(seed),
  });
  return { provider, exporter };
}

const agentAttributes = (operation: string, id: string, name: string, model?: string) => ({
  "gen_ai.operation.name": operation,
  "gen_ai.agent.id": id,
  "gen_ai.agent.name": name,
  "gen_ai.provider.name": "openai",
  ...(model ? { "gen_ai.request.model": model } : {}),
});

/** Record the trace; the finished spans of each process, in the order they ended. */
export function recordMultiAgentTrace(): Record<ProcessName, ReadableSpan[]> {
  const [a, b, c] = [
    process_("planner-service", 1),
    process_("writer-service", 2),
    process_("reviewer-service", 3),
  ];
  const propagator = new W3CTraceContextPropagator();
  const planner = a.provider.getTracer("acme-agents", "0.4.0");
  const writerTracer = b.provider.getTracer("acme-agents", "0.4.0");
  const reviewerTracer = c.provider.getTracer("acme-agents", "0.4.0");
  const under = (ctx: Context, span: ReturnType<typeof planner.startSpan>) => trace.setSpan(ctx, span);
  const root = context.active();
  const t0 = Date.UTC(2026, 11, 2, 6, 0, 0);
  let t = t0;
  const at = () => {
    t += 5;
    return new Date(t);
  };

  // planner-service
  const workflow = planner.startSpan(
    "invoke_workflow trip-planning",
    { kind: SpanKind.INTERNAL, attributes: { "gen_ai.operation.name": "invoke_workflow" }, startTime: at() },
    root,
  );
  const wctx = under(root, workflow);
  const createPlanner = planner.startSpan(
    "create_agent planner",
    {
      kind: SpanKind.CLIENT,
      attributes: agentAttributes("create_agent", "planner-1", "planner", "gpt-4.1"),
      startTime: at(),
    },
    wctx,
  );
  createPlanner.end(at());
  const invokePlanner = planner.startSpan(
    "invoke_agent planner",
    {
      kind: SpanKind.INTERNAL,
      attributes: agentAttributes("invoke_agent", "planner-1", "planner", "gpt-4.1"),
      startTime: at(),
    },
    wctx,
  );
  const pctx = under(wctx, invokePlanner);
  const chat = planner.startSpan(
    "chat gpt-4.1",
    {
      kind: SpanKind.CLIENT,
      attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4.1" },
      startTime: at(),
    },
    pctx,
  );
  chat.end(at());
  const createResearcher = planner.startSpan(
    "create_agent researcher",
    {
      kind: SpanKind.CLIENT,
      attributes: agentAttributes("create_agent", "researcher-1", "researcher"),
      startTime: at(),
    },
    pctx,
  );
  createResearcher.end(at());
  const invokeResearcher = planner.startSpan(
    "invoke_agent researcher",
    {
      kind: SpanKind.INTERNAL,
      attributes: agentAttributes("invoke_agent", "researcher-1", "researcher"),
      startTime: at(),
    },
    pctx,
  );
  invokeResearcher.end(at());
  const call = planner.startSpan(
    "POST /agents",
    {
      kind: SpanKind.CLIENT,
      attributes: { "http.request.method": "POST", "server.address": "writer-service" },
      startTime: at(),
    },
    pctx,
  );
  const headers: Record<string, string> = {};
  propagator.inject(under(pctx, call), headers, {
    set: (h, k, v) => {
      h[k] = v;
    },
  });

  // writer-service: the trace continues from the propagated headers.
  const remote = propagator.extract(root, headers, {
    get: (h, k) => h[k],
    keys: (h) => Object.keys(h),
  });
  const server = writerTracer.startSpan(
    "POST /agents",
    {
      kind: SpanKind.SERVER,
      attributes: { "http.request.method": "POST", "http.route": "/agents" },
      startTime: at(),
    },
    remote,
  );
  const sctx = under(remote, server);
  const createWriter = writerTracer.startSpan(
    "create_agent writer",
    {
      kind: SpanKind.CLIENT,
      attributes: agentAttributes("create_agent", "writer-1", "writer", "gpt-4.1-mini"),
      startTime: at(),
    },
    sctx,
  );
  createWriter.end(at());
  const invokeWriter = writerTracer.startSpan(
    "invoke_agent writer",
    {
      kind: SpanKind.INTERNAL,
      attributes: agentAttributes("invoke_agent", "writer-1", "writer", "gpt-4.1-mini"),
      startTime: at(),
    },
    sctx,
  );
  const wchat = writerTracer.startSpan(
    "chat gpt-4.1-mini",
    {
      kind: SpanKind.CLIENT,
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4.1-mini",
        "gen_ai.conversation.id": "conv-42",
        "acme.tokens.cached": 1234,
        "acme.temperature": 0.25,
        "acme.flagged": false,
        "acme.tags": ["draft", "itinerary"],
      },
      startTime: at(),
    },
    under(sctx, invokeWriter),
  );
  wchat.addEvent("acme.retry", { "acme.attempt": 2 }, at());
  wchat.setStatus({ code: SpanStatusCode.ERROR, message: "rate limited once" });
  wchat.end(at());
  const writerLink: Link = { context: invokeWriter.spanContext(), attributes: { "acme.handoff": "review" } };
  invokeWriter.end(at());
  server.end(at());
  call.end(at());
  invokePlanner.end(at());
  workflow.end(at());

  // reviewer-service: a new trace, linked to the writer's invocation.
  const createReviewer = reviewerTracer.startSpan(
    "create_agent reviewer",
    {
      kind: SpanKind.CLIENT,
      attributes: agentAttributes("create_agent", "reviewer-1", "reviewer"),
      links: [writerLink],
      startTime: at(),
    },
    root,
  );
  createReviewer.end(at());

  return {
    "planner-service": a.exporter.getFinishedSpans(),
    "writer-service": b.exporter.getFinishedSpans(),
    "reviewer-service": c.exporter.getFinishedSpans(),
  };
}

/** The OTLP/HTTP bodies each process's exporter would send: JSON and protobuf. */
export function serialise(spans: ReadableSpan[]): {
  readonly json: Uint8Array;
  readonly protobuf: Uint8Array;
} {
  return {
    json: JsonTraceSerializer.serializeRequest(spans)!,
    protobuf: ProtobufTraceSerializer.serializeRequest(spans)!,
  };
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** Where the recorded bodies are: `multi-agent-<process>.json` and `.pb`. */
export function fixturePath(process: ProcessName, encoding: "json" | "pb"): string {
  return path.join(here, `multi-agent-${process}.${encoding}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const recorded = recordMultiAgentTrace();
  for (const p of PROCESSES) {
    const bodies = serialise(recorded[p]);
    // JSON pretty-printed so a reader can see what an exporter sends; the bytes mean the same.
    writeFileSync(
      fixturePath(p, "json"),
      `${JSON.stringify(JSON.parse(Buffer.from(bodies.json).toString()), null, 2)}\n`,
    );
    writeFileSync(fixturePath(p, "pb"), bodies.protobuf);
    console.log(`${p}: ${recorded[p].length} spans`);
  }
}
