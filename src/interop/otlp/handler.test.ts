/**
 * The `POST /v1/traces` handler as an OTLP exporter sees it: status codes, the response in the
 * request's encoding, gzip bodies, and the bounds; and the vendored protos and the embedded
 * descriptor agree.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSignerKey } from "../../ledger/keys.js";
import { type Ledger, openLedger } from "../../sdk/ledger.js";
import { otlpHandler } from "./handler.js";
import { MAX_OTLP_BODY_BYTES, OTLP_JSON, OTLP_PROTOBUF } from "./ingest.js";
import { fixturePath } from "./test-support/multi-agent-trace.js";
import { descriptorFromProtos } from "./test-support/proto-descriptor.js";
import { OTLP_TRACE_DESCRIPTOR } from "./trace-descriptor.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-otlp-handler-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const collector = generateSignerKey("otel-collector");
let ledger: Ledger;
let handle: (request: Request) => Promise<Response>;

beforeAll(async () => {
  ledger = await openLedger({ path: path.join(dir, "ledger.db") });
  await ledger.actor("otel-collector", collector, "system");
  handle = otlpHandler({ target: ledger, collector });
});
afterAll(() => ledger.close());

const post = (body: Uint8Array, headers: Record<string, string>) =>
  handle(
    new Request("http://localhost/v1/traces", {
      method: "POST",
      headers,
      body: body as Uint8Array<ArrayBuffer>,
    }),
  );

describe("POST /v1/traces", () => {
  it("takes a JSON body and answers an empty ExportTraceServiceResponse in JSON", async () => {
    const before = ledger.log.size;
    const res = await post(fs.readFileSync(fixturePath("planner-service", "json")), {
      "content-type": OTLP_JSON,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    expect(ledger.log.size).toBe(before + 1);
  });

  it("takes a gzip protobuf body and answers in protobuf", async () => {
    const res = await post(gzipSync(fs.readFileSync(fixturePath("writer-service", "pb"))), {
      "content-type": OTLP_PROTOBUF,
      "content-encoding": "gzip",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(OTLP_PROTOBUF);
    expect(ledger.state.observedCreator("writer-1")).toBe("planner-1");
  });

  it("refuses with the OTLP status codes and writes nothing", async () => {
    const before = ledger.log.size;
    const cases: [Uint8Array, Record<string, string>, number][] = [
      [new TextEncoder().encode("{"), { "content-type": OTLP_JSON }, 400],
      [new TextEncoder().encode("{}"), { "content-type": "text/plain" }, 415],
      [new TextEncoder().encode("{}"), { "content-type": OTLP_JSON, "content-encoding": "br" }, 415],
      // A small gzip body that inflates past the bound is stopped while it inflates.
      [
        gzipSync(Buffer.alloc(MAX_OTLP_BODY_BYTES + 1, 0x20)),
        { "content-type": OTLP_JSON, "content-encoding": "gzip" },
        413,
      ],
    ];
    for (const [body, headers, status] of cases) {
      const res = await post(body, headers);
      expect(res.status, JSON.stringify(headers)).toBe(status);
    }
    const bad = await post(new TextEncoder().encode("{"), { "content-type": OTLP_JSON });
    expect(((await bad.json()) as { message: string }).message).toMatch(/^OTLP_INVALID: /);
    expect(ledger.log.size).toBe(before);
    expect((await handle(new Request("http://localhost/v1/traces"))).status).toBe(405);
  });
});

it("embeds the descriptor of the vendored protos", () => {
  expect(JSON.parse(JSON.stringify(OTLP_TRACE_DESCRIPTOR))).toEqual(descriptorFromProtos());
});
