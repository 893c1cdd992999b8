/**
 * npm run bench:otlp [-- --quick]   (builds first; measures the built package in dist/)
 *
 * OpenTelemetry ingest into the embedded SQLite ledger: OTLP/HTTP export requests of 512 spans
 * (the OpenTelemetry SDKs' default export batch), shaped like a GenAI agent's traces (agent,
 * chat and tool spans with their `gen_ai.*` attributes and a few of no convention), taken in by
 * `ingestOtlp` one request after another, each a durable signed append, in JSON and in protobuf.
 * Beside it, in the same run, the baseline: decoding the same payloads alone, no ledger, and each
 * ingest row's ratio to it. The goal is 20,000 spans/s ingested for both encodings.
 *
 * The machine may be shared: the load average is printed before and after, and every row also
 * gives spans per CPU-second of this process (`process.cpuUsage`, user + system), which other
 * work on the same cores changes less than it changes the wall clock. Imports only what the
 * package exports. Prints a table; asserts nothing.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateSignerKey } from "optprov";
import { decodeOtlp, ingestOtlp, OTLP_JSON, OTLP_PROTOBUF, otlpIngestor } from "optprov/interop";
import { openLedger } from "optprov/sdk";
import protobuf from "protobufjs";
import { fmt, table } from "./report.js";

const quick = process.argv.includes("--quick");
const REQUESTS = quick ? 20 : 100;
const SPANS = 512;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-otlp-bench-"));
const here = path.dirname(fileURLToPath(import.meta.url));

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
const int = (key: string, v: number) => ({ key, value: { intValue: String(v) } });

/** One export request: a trace of agents, each invoked with chat and tool spans under it. */
function exportRequest(r: number): Record<string, unknown> {
  const traceId = hex(r + 1, 32);
  const t0 = 1_796_191_200_000_000_000n + BigInt(r) * 1_000_000_000n;
  const spans: Record<string, unknown>[] = [];
  for (let i = 0; i < SPANS; i++) {
    const agent = Math.floor(i / 64);
    const role = i % 64;
    const op =
      role === 0 ? "create_agent" : role === 1 ? "invoke_agent" : role % 3 === 0 ? "execute_tool" : "chat";
    const parent =
      role === 0
        ? agent === 0
          ? undefined
          : (agent - 1) * 64 + 1
        : role === 1
          ? agent * 64
          : agent * 64 + 1;
    const start = t0 + BigInt(i) * 1000n;
    spans.push({
      traceId,
      spanId: hex(r * SPANS + i + 1, 16),
      ...(parent !== undefined ? { parentSpanId: hex(r * SPANS + parent + 1, 16) } : {}),
      name: op === "chat" ? "chat gpt-4.1" : `${op} agent-${agent}`,
      kind: op === "chat" ? 3 : 1,
      startTimeUnixNano: String(start),
      endTimeUnixNano: String(start + 900n),
      attributes: [
        str("gen_ai.operation.name", op),
        ...(op === "create_agent" || op === "invoke_agent"
          ? [str("gen_ai.agent.id", `r${r}-agent-${agent}`), str("gen_ai.agent.name", `agent-${agent}`)]
          : []),
        str("gen_ai.provider.name", "openai"),
        str("gen_ai.request.model", "gpt-4.1"),
        int("gen_ai.usage.input_tokens", 1200 + i),
        int("gen_ai.usage.output_tokens", 300 + i),
        str("gen_ai.conversation.id", `conv-${r}`),
        { key: "acme.temperature", value: { doubleValue: 0.25 } },
        { key: "acme.cached", value: { boolValue: i % 2 === 0 } },
      ],
      status: { code: 1 },
    });
  }
  return {
    resourceSpans: [
      {
        resource: { attributes: [str("service.name", "agents"), str("service.version", "1.0.0")] },
        scopeSpans: [{ scope: { name: "acme-agents", version: "0.4.0" }, spans }],
      },
    ],
  };
}

// Protobuf bodies: the same requests encoded by protobufjs from the vendored OTLP protos.
const root = new protobuf.Root();
const protoDir = path.join(here, "..", "src", "interop", "otlp", "proto");
root.resolvePath = (_o, t) => path.join(protoDir, t);
root.loadSync("opentelemetry/proto/collector/trace/v1/trace_service.proto");
const Request = root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest");
const b64 = (h: string) => Buffer.from(h, "hex").toString("base64");
function toProtobuf(req: Record<string, unknown>): Uint8Array {
  const copy = structuredClone(req) as {
    resourceSpans: { scopeSpans: { spans: Record<string, string>[] }[] }[];
  };
  for (const rs of copy.resourceSpans)
    for (const ss of rs.scopeSpans)
      for (const s of ss.spans) {
        s.traceId = b64(s.traceId!);
        s.spanId = b64(s.spanId!);
        if (s.parentSpanId) s.parentSpanId = b64(s.parentSpanId);
      }
  return Request.encode(Request.fromObject(copy)).finish();
}

const requests = Array.from({ length: REQUESTS }, (_, r) => exportRequest(r));
const json = requests.map((r) => new TextEncoder().encode(JSON.stringify(r)));
const pb = requests.map(toProtobuf);
const totalSpans = REQUESTS * SPANS;

interface Timed {
  /** Wall-clock milliseconds. */
  readonly ms: number;
  /** CPU milliseconds of this process (user + system) over the same span. */
  readonly cpuMs: number;
}

/** Time `f` by the wall clock and by this process's CPU time. */
async function timed<T>(f: () => Promise<T> | T): Promise<Timed & { value: T }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await f();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, value };
}

async function parseOnly(bodies: Uint8Array[], type: string): Promise<Timed> {
  for (const b of bodies.slice(0, 5)) decodeOtlp(b, type); // warm up
  const run = await timed(() => {
    let n = 0;
    for (const b of bodies) n += decodeOtlp(b, type).spans.length;
    return n;
  });
  if (run.value !== totalSpans) throw new Error(`decoded ${run.value} spans, expected ${totalSpans}`);
  return run;
}

/**
 * Ingest every body but the first (a warm-up) into a fresh ledger: one request after another
 * (`inFlight` 1, `ingestOtlp`), or `inFlight` exporters at once through `otlpIngestor`, which
 * commits the requests that arrive together in one transaction.
 */
async function ingest(
  bodies: Uint8Array[],
  type: string,
  name: string,
  inFlight: number,
): Promise<Timed & { entries: number }> {
  const ledger = await openLedger({ path: path.join(dir, `${name}.db`) });
  try {
    const collector = generateSignerKey("otel-collector");
    await ledger.actor("otel-collector", collector, "system");
    await ingestOtlp(ledger, collector, bodies[0]!, type);
    let entries = 0;
    const run = await timed(async () => {
      if (inFlight === 1)
        for (const b of bodies.slice(1))
          entries += (await ingestOtlp(ledger, collector, b, type)).entries.length;
      else {
        const one = otlpIngestor(ledger, collector);
        const rest = bodies.slice(1);
        const exporter = async () => {
          for (let b = rest.shift(); b !== undefined; b = rest.shift()) {
            const r = await one(b, type);
            entries += r.entries.length;
            // An exporter sends its next batch once the last is answered; a macrotask between the
            // two lets the other exporters' requests in first, as network round trips would.
            await new Promise((r) => setImmediate(r));
          }
        };
        await Promise.all(Array.from({ length: inFlight }, exporter));
      }
    });
    return { ms: run.ms, cpuMs: run.cpuMs, entries };
  } finally {
    await ledger.close();
  }
}

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
console.log(
  `optprov OTLP ingest benchmark, ${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0]?.model ?? "cpu"} x${os.availableParallelism()}, Node ${process.version}${quick ? " (quick)" : ""}`,
);
const loadBefore = load();
console.log(
  `${REQUESTS} export requests of ${SPANS} spans; JSON ${fmt(json[0]!.length / 1024)} KiB, protobuf ${fmt(pb[0]!.length / 1024)} KiB each`,
);
const parsedJson = await parseOnly(json, OTLP_JSON);
const parsedPb = await parseOnly(pb, OTLP_PROTOBUF);
const ingestedJson = await ingest(json, OTLP_JSON, "json", 1);
const ingestedPb = await ingest(pb, OTLP_PROTOBUF, "protobuf", 1);
const IN_FLIGHT = 8;
const groupedJson = await ingest(json, OTLP_JSON, "json-8", IN_FLIGHT);
const groupedPb = await ingest(pb, OTLP_PROTOBUF, "protobuf-8", IN_FLIGHT);
const counted = totalSpans - SPANS; // the first request of each ingest run warms up
const rate = (spans: number, ms: number) => (spans * 1000) / ms;
const baseline = { json: rate(totalSpans, parsedJson.ms), protobuf: rate(totalSpans, parsedPb.ms) };
const row = (what: string, r: Timed & { entries: number }, encoding: keyof typeof baseline) => [
  what,
  counted,
  r.entries,
  fmt(r.ms),
  fmt(rate(counted, r.ms)),
  `${fmt(rate(counted, r.ms) / baseline[encoding], 2)}x`,
  fmt(rate(counted, r.cpuMs)),
];
const parsed = (what: string, r: Timed) => [
  what,
  totalSpans,
  "-",
  fmt(r.ms),
  fmt(rate(totalSpans, r.ms)),
  "1.00x",
  fmt(rate(totalSpans, r.cpuMs)),
];
table(
  "OTLP ingest into the embedded SQLite ledger (synchronous=FULL), beside decoding alone",
  ["path", "spans", "entries", "ms", "spans/s", "of decode alone", "spans per CPU-s"],
  [
    parsed("decode JSON only (no ledger)", parsedJson),
    parsed("decode protobuf only (no ledger)", parsedPb),
    row("ingest JSON, one request at a time", ingestedJson, "json"),
    row("ingest protobuf, one request at a time", ingestedPb, "protobuf"),
    row(`ingest JSON, ${IN_FLIGHT} exporters at once`, groupedJson, "json"),
    row(`ingest protobuf, ${IN_FLIGHT} exporters at once`, groupedPb, "protobuf"),
  ],
);
console.log(
  `\ngoal: 20,000 spans/s ingested, JSON and protobuf; load average (1, 5, 15 min) before ${loadBefore}, after ${load()}`,
);
fs.rmSync(dir, { recursive: true, force: true });
