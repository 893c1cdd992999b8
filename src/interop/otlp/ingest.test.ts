/**
 * OTLP ingest end to end on a real SQLite ledger: a multi-agent trace recorded with the
 * OpenTelemetry JS SDK in three processes (fixtures beside this file) is taken in as JSON and as
 * protobuf, in the order the processes' exporters might deliver it; the ledger's tree shows the
 * agents with the creator edges the spans imply, marked as collector-attested; verify passes; the
 * attributes of no convention come back out as they went in; and a table of hostile requests is
 * refused with codes, writing nothing.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { explain, renderExplanation } from "../../explain/explain.js";
import { provenanceTree, renderTree } from "../../explain/tree.js";
import { openEntry } from "../../ledger/entry.js";
import { generateSignerKey } from "../../ledger/keys.js";
import { verifyLedger } from "../../oversight/verify.js";
import { type Ledger, openLedger } from "../../sdk/ledger.js";
import { SqliteStore } from "../../store/sqlite/sqlite-store.js";
import { forceAppend } from "../../store/sqlite/test-support/force-append.js";
import { decodeOtlp, ingestOtlp, OTLP_JSON, OTLP_PROTOBUF, otlpIngestor } from "./ingest.js";
import {
  EXPECTED_CREATORS,
  fixturePath,
  PROCESSES,
  type ProcessName,
} from "./test-support/multi-agent-trace.js";
import { exportRequestType } from "./test-support/proto-descriptor.js";
import { toOtlpJson } from "./to-otlp.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-otlp-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const fixture = (p: ProcessName, e: "json" | "pb") => new Uint8Array(fs.readFileSync(fixturePath(p, e)));
const collector = generateSignerKey("otel-collector");

async function freshLedger(name: string): Promise<{ ledger: Ledger; file: string }> {
  const file = path.join(dir, `${name}.db`);
  const ledger = await openLedger({ path: file });
  await ledger.root({ name: "alice" });
  await ledger.actor("otel-collector", collector, "system");
  return { ledger, file };
}

describe.each([
  ["json", OTLP_JSON],
  ["pb", OTLP_PROTOBUF],
] as const)("a multi-agent trace as %s", (encoding, contentType) => {
  let ledger: Ledger;
  let file: string;
  beforeAll(async () => {
    ({ ledger, file } = await freshLedger(`trace-${encoding}`));
    // The writer's spans arrive first: a sub-agent reported before the span that started it.
    for (const p of ["writer-service", "reviewer-service", "planner-service"] as const)
      await ingestOtlp(ledger, collector, fixture(p, encoding), contentType);
  });
  afterAll(() => ledger.close());

  it("records every agent with the creator its spans imply, attested by the collector", () => {
    const state = ledger.state;
    expect([...state.observedAgents.keys()].sort()).toEqual(Object.keys(EXPECTED_CREATORS).sort());
    for (const [agent, creator] of Object.entries(EXPECTED_CREATORS))
      expect(state.observedCreator(agent), agent).toBe(creator);
    for (const a of state.observedAgents.values()) expect(a.attested).toBe("collector:otel-collector");
    // Observed agents are not optimizers: the gate and the control rules never see them.
    expect(state.optimizers.size).toBe(0);
    expect(state.spanTotals).toMatchObject({ spans: 12, batches: 3 });
  });

  it("shows them in the tree under the collector, marked, and explains they were not gated", async () => {
    const roots = provenanceTree(ledger.state);
    const collectorNode = roots.find((r) => r.name === "otel-collector")!;
    expect(collectorNode.children.map((c) => c.name)).toEqual(["planner (planner-1)"]);
    const planner = collectorNode.children[0]!;
    expect(planner).toMatchObject({ kind: "observed", attested: "collector:otel-collector" });
    expect(planner.children.map((c) => c.name).sort()).toEqual([
      "researcher (researcher-1)",
      "writer (writer-1)",
    ]);
    const writer = planner.children.find((c) => c.name.startsWith("writer"))!;
    expect(writer.children.map((c) => c.name)).toEqual(["reviewer (reviewer-1)"]);
    expect(renderTree(roots)).toContain("[OBSERVED by collector:otel-collector, not gated]");
    const e = (await explain(ledger.state, ledger.log.store, "reviewer"))!;
    expect(e).toMatchObject({ kind: "observed", createdBy: "writer-1", lineage: ["writer-1", "planner-1"] });
    expect(e.concerns.map((c) => c.code)).toEqual(["NOT_GATED"]);
    expect(renderExplanation(e)).toContain("not gated");
  });

  it("verifies", async () => {
    const store = SqliteStore.open(file, { readonly: true });
    try {
      const report = await verifyLedger(store);
      expect(report.problem).toBeUndefined();
      expect(report.ok).toBe(true);
    } finally {
      await store.close();
    }
  });
});

describe("what goes in comes out", () => {
  it("decodes JSON and protobuf bodies of the same spans to the same batch", () => {
    for (const p of PROCESSES)
      expect(decodeOtlp(fixture(p, "pb"), OTLP_PROTOBUF), p).toEqual(
        decodeOtlp(fixture(p, "json"), OTLP_JSON),
      );
  });

  it("keeps nanosecond times and int64 attributes exact from protobuf, past a double's precision", () => {
    const type = exportRequestType();
    const span = {
      traceId: Buffer.alloc(16, 1).toString("base64"),
      spanId: Buffer.alloc(8, 2).toString("base64"),
      name: "x",
      kind: 1,
      startTimeUnixNano: "1796191200065000123",
      endTimeUnixNano: "1796191200065000999",
      attributes: [{ key: "n", value: { intValue: "-9007199254740993" } }],
    };
    const body = type
      .encode(type.fromObject({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] }))
      .finish();
    const [decoded] = decodeOtlp(body, OTLP_PROTOBUF).spans;
    expect(decoded).toMatchObject({ start: "1796191200065000123", end: "1796191200065000999" });
    expect(decoded?.attributes).toEqual([["n", { i: "-9007199254740993" }]]);
  });

  it("keeps attributes of no convention, with their types, through the entry and back to OTLP JSON", async () => {
    const { ledger } = await freshLedger("round-trip");
    try {
      const sent = JSON.parse(fs.readFileSync(fixturePath("writer-service", "json"), "utf8"));
      const { entries } = await ingestOtlp(ledger, collector, fixture("writer-service", "json"), OTLP_JSON);
      expect(entries).toHaveLength(1);
      const stored = (await ledger.log.store.entry(entries[0]!))!;
      const statement = openEntry(stored.envelope).statement;
      if (statement.kind !== "span-batch") throw new Error(`expected a span-batch, got ${statement.kind}`);
      const back = toOtlpJson(statement.predicate);
      const chat = (req: typeof sent) =>
        req.resourceSpans[0].scopeSpans[0].spans.find((s: { name: string }) => s.name.startsWith("chat"));
      // OTLP JSON allows an int64 as a number or a string; what comes back is the string.
      const attrs = (s: { attributes: { key: string; value: { intValue?: unknown } }[] }) =>
        Object.fromEntries(
          s.attributes
            .filter((a) => a.key.startsWith("acme."))
            .map((a) => [
              a.key,
              a.value.intValue !== undefined ? { ...a, value: { intValue: String(a.value.intValue) } } : a,
            ]),
        );
      expect(attrs(chat(back))).toEqual(attrs(chat(sent)));
      expect(attrs(chat(back))["acme.tokens.cached"]).toEqual({
        key: "acme.tokens.cached",
        value: { intValue: "1234" },
      });
      expect(attrs(chat(back).events[0])).toEqual(attrs(chat(sent).events[0]));
      expect(attrs(chat(back).events[0])["acme.attempt"]).toBeDefined();
      // And the whole request decodes to the same batch again.
      const again = decodeOtlp(new TextEncoder().encode(JSON.stringify(back)), OTLP_JSON);
      expect(again).toEqual(decodeOtlp(fixture("writer-service", "json"), OTLP_JSON));
    } finally {
      await ledger.close();
    }
  });
});

describe("the same trace as JSON and as protobuf", () => {
  it("is signed into two ledgers as byte-identical entries", async () => {
    // Same log key, same collector key, same clock: then only the encoding differs, and Ed25519
    // is deterministic, so equal statements give equal envelopes byte for byte.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-12-02T12:00:00.000Z"));
    const logKey = generateSignerKey("log.same-trace");
    const open = async (name: string) => {
      const ledger = await openLedger({ path: path.join(dir, `${name}.db`), logKey });
      await ledger.actor("otel-collector", collector, "system");
      return ledger;
    };
    const fromJson = await open("same-json");
    const fromPb = await open("same-pb");
    try {
      let compared = 0;
      for (const p of PROCESSES) {
        const a = await ingestOtlp(fromJson, collector, fixture(p, "json"), OTLP_JSON);
        const b = await ingestOtlp(fromPb, collector, fixture(p, "pb"), OTLP_PROTOBUF);
        expect(b, p).toEqual(a);
        for (const index of a.entries) {
          const ja = (await fromJson.log.store.entry(index))!.envelope;
          const pb = (await fromPb.log.store.entry(index))!.envelope;
          const statement = openEntry(ja).statement;
          expect(statement.kind).toBe("span-batch");
          expect(openEntry(pb).statement, p).toEqual(statement);
          expect(Buffer.from(pb).equals(Buffer.from(ja)), `${p}: entry ${index} bytes`).toBe(true);
          compared++;
        }
      }
      expect(compared).toBe(PROCESSES.length);
      expect(await fromPb.log.store.size()).toBe(await fromJson.log.store.size());
    } finally {
      vi.useRealTimers();
      await fromJson.close();
      await fromPb.close();
    }
  });
});

describe("many exporters at once", () => {
  it("commits requests that arrive together together, each with its own entries, and refuses a bad one alone", async () => {
    const { ledger } = await freshLedger("concurrent");
    try {
      const ingest = otlpIngestor(ledger, collector);
      const before = ledger.log.size;
      const results = await Promise.allSettled([
        ...PROCESSES.map((p) => ingest(fixture(p, "pb"), OTLP_PROTOBUF)),
        ingest(new TextEncoder().encode("{"), OTLP_JSON),
        ...PROCESSES.map((p) => ingest(fixture(p, "json"), OTLP_JSON)),
      ]);
      expect(results.map((r) => r.status)).toEqual([
        ...Array(3).fill("fulfilled"),
        "rejected",
        ...Array(3).fill("fulfilled"),
      ]);
      expect((results[3] as PromiseRejectedResult).reason).toMatchObject({ code: "OTLP_INVALID" });
      const entries = results.flatMap((r) => (r.status === "fulfilled" ? r.value.entries : []));
      expect(new Set(entries).size).toBe(6);
      expect(ledger.log.size).toBe(before + 6);
      for (const [agent, creator] of Object.entries(EXPECTED_CREATORS))
        expect(ledger.state.observedCreator(agent), agent).toBe(creator);
    } finally {
      await ledger.close();
    }
  });
});

/** A one-span request in OTLP JSON, with `patch` applied to the span. */
function request(patch: Record<string, unknown> = {}, attributes: unknown[] = []): Uint8Array {
  const span = {
    traceId: "5b8efff798038103d269b633813fc60c",
    spanId: "eee19b7ec3c1b174",
    name: "invoke_agent x",
    kind: 1,
    startTimeUnixNano: "1544712660000000000",
    endTimeUnixNano: "1544712661000000000",
    attributes: [
      { key: "gen_ai.operation.name", value: { stringValue: "invoke_agent" } },
      { key: "gen_ai.agent.name", value: { stringValue: "x" } },
      ...attributes,
    ],
    ...patch,
  };
  return new TextEncoder().encode(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] }));
}
const utf8 = (s: string) => new TextEncoder().encode(s);
const big = "x".repeat(70_000);

describe("hostile requests are refused with codes, and nothing is written", () => {
  let ledger: Ledger;
  let file: string;
  beforeAll(async () => {
    ({ ledger, file } = await freshLedger("hostile"));
  });
  afterAll(() => ledger.close());

  const cases: [string, Uint8Array, string, string][] = [
    ["not JSON", utf8("{resourceSpans: ["), OTLP_JSON, "OTLP_INVALID"],
    ["not UTF-8", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), OTLP_JSON, "OTLP_INVALID"],
    ["an array", utf8("[]"), OTLP_JSON, "OTLP_INVALID"],
    ["resourceSpans not a list", utf8('{"resourceSpans":{}}'), OTLP_JSON, "OTLP_INVALID"],
    ["a short trace id", request({ traceId: "5b8efff7" }), OTLP_JSON, "OTLP_INVALID"],
    [
      "a trace id not hex",
      request({ traceId: "zz8efff798038103d269b633813fc60c" }),
      OTLP_JSON,
      "OTLP_INVALID",
    ],
    ["an all-zero span id", request({ spanId: "0000000000000000" }), OTLP_JSON, "OTLP_INVALID"],
    ["a missing span id", request({ spanId: undefined }), OTLP_JSON, "OTLP_INVALID"],
    ["a parent id of the wrong length", request({ parentSpanId: "eee19b" }), OTLP_JSON, "OTLP_INVALID"],
    ["a span kind out of range", request({ kind: 9 }), OTLP_JSON, "OTLP_INVALID"],
    [
      "a time that is not nanoseconds",
      request({ startTimeUnixNano: "yesterday" }),
      OTLP_JSON,
      "OTLP_INVALID",
    ],
    ["a status code out of range", request({ status: { code: 7 } }), OTLP_JSON, "OTLP_INVALID"],
    [
      "an intValue that is not an integer",
      request({}, [{ key: "n", value: { intValue: "1.5" } }]),
      OTLP_JSON,
      "OTLP_INVALID",
    ],
    ["an attribute without a key", request({}, [{ value: { stringValue: "v" } }]), OTLP_JSON, "OTLP_INVALID"],
    [
      "a huge attribute",
      request({}, [{ key: "prompt", value: { stringValue: big } }]),
      OTLP_JSON,
      "OTLP_TOO_LARGE",
    ],
    [
      "too many attributes",
      request(
        {},
        Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value: { boolValue: true } })),
      ),
      OTLP_JSON,
      "OTLP_TOO_LARGE",
    ],
    [
      "values nested too deep",
      request({}, [
        {
          key: "deep",
          value: JSON.parse(`${'{"arrayValue":{"values":['.repeat(12)}{"boolValue":true}${"]}}".repeat(12)}`),
        },
      ]),
      OTLP_JSON,
      "OTLP_TOO_LARGE",
    ],
    [
      "protobuf that does not decode",
      new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]),
      OTLP_PROTOBUF,
      "OTLP_INVALID",
    ],
    ["another media type", request(), "text/plain", "OTLP_MEDIA_TYPE"],
  ];

  it.each(cases)("%s", async (_what, body, contentType, code) => {
    const before = await ledger.log.store.size();
    await expect(ingestOtlp(ledger, collector, body, contentType)).rejects.toMatchObject({ code });
    expect(await ledger.log.store.size()).toBe(before);
  });

  it("a request that fails on its last span writes none of the ones before it", async () => {
    const good = JSON.parse(new TextDecoder().decode(request()));
    const spans = good.resourceSpans[0].scopeSpans[0].spans;
    spans.push({ ...spans[0], spanId: "eee19b7ec3c1b175" }, { ...spans[0], spanId: "bad" });
    const before = await ledger.log.store.size();
    await expect(ingestOtlp(ledger, collector, utf8(JSON.stringify(good)), OTLP_JSON)).rejects.toMatchObject({
      code: "OTLP_INVALID",
    });
    expect(await ledger.log.store.size()).toBe(before);
    expect(ledger.state.observedAgents.size).toBe(0);
  });

  it("a collector key that is not registered as a system actor is refused before anything is signed", async () => {
    await expect(
      ingestOtlp(ledger, generateSignerKey("stranger"), request(), OTLP_JSON),
    ).rejects.toMatchObject({
      code: "OTLP_COLLECTOR_UNKNOWN",
    });
  });

  it("a span batch signed by an unregistered key, or by a key not the actor's, written straight to the log, is refused", async () => {
    const body = decodeOtlp(request(), OTLP_JSON);
    const predicate = { time: new Date().toISOString(), ...body };
    const stranger = generateSignerKey("stranger");
    const fromStranger = ledger.log.sign("span-batch", { actor: "stranger", ...predicate }, stranger);
    const alice = generateSignerKey("alice");
    await expect(ledger.log.append([fromStranger])).rejects.toMatchObject({ code: "ACTOR_UNKNOWN" });
    // A key that claims a registered actor's name (alice's) but is not hers.
    await expect(
      ledger.log.append([ledger.log.sign("span-batch", { actor: "alice", ...predicate }, alice)]),
    ).rejects.toMatchObject({ code: "ACTOR_KEY_MISMATCH" });
    expect(ledger.state.observedAgents.size).toBe(0);
  });

  it("a person's span batch written behind the log's back fails verify with the control code", async () => {
    const person = generateSignerKey("bob");
    await ledger.root({ name: "bob", key: person });
    const body = decodeOtlp(request(), OTLP_JSON);
    const envelope = ledger.log.sign(
      "span-batch",
      { actor: "bob", time: new Date().toISOString(), ...body },
      person,
    );
    await expect(ledger.log.append([envelope])).rejects.toMatchObject({
      code: "CONTROL_COLLECTOR_UNAUTHORISED",
    });
    await ledger.close();
    forceAppend(file, [envelope]);
    const store = SqliteStore.open(file, { readonly: true });
    try {
      const report = await verifyLedger(store);
      expect(report.ok).toBe(false);
      expect(report.problem?.code).toBe("CONTROL_COLLECTOR_UNAUTHORISED");
    } finally {
      await store.close();
    }
  });
});
