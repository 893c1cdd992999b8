/**
 * The protobufjs descriptor of the vendored OTLP trace protos (`../proto/`), as `trace-descriptor.ts`
 * embeds it. Run this file to write `trace-descriptor.ts` again after updating the protos:
 * `npx tsx src/interop/otlp/test-support/proto-descriptor.ts`.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import { OTLP_TRACE_DESCRIPTOR } from "../trace-descriptor.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const PROTO_DIR = path.join(here, "..", "proto");

/** Load the protos and keep what decoding needs (no options or comments). */
export function descriptorFromProtos(): unknown {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(PROTO_DIR, target);
  root.loadSync("opentelemetry/proto/collector/trace/v1/trace_service.proto");
  const strip = (n: unknown): unknown => {
    if (n !== null && typeof n === "object") {
      delete (n as Record<string, unknown>).options;
      delete (n as Record<string, unknown>).comment;
      for (const v of Object.values(n)) strip(v);
    }
    return n;
  };
  return strip(root.toJSON());
}

let requestType: protobuf.Type | undefined;
/** `ExportTraceServiceRequest` from the embedded descriptor, for tests that write protobuf bodies. */
export function exportRequestType(): protobuf.Type {
  requestType ??= protobuf.Root.fromJSON(OTLP_TRACE_DESCRIPTOR as protobuf.INamespace).lookupType(
    "opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest",
  );
  return requestType;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = path.join(here, "..", "trace-descriptor.ts");
  writeFileSync(
    out,
    `/**\n * The OTLP trace protos (opentelemetry-proto, Apache-2.0: proto/LICENSE) as a protobufjs JSON\n * descriptor, so decoding needs no .proto files at run time. Written by\n * test-support/proto-descriptor.ts from proto/; a test checks the two agree.\n */\nexport const OTLP_TRACE_DESCRIPTOR = ${JSON.stringify(descriptorFromProtos(), null, 2)};\n`,
  );
  console.log(`wrote ${out}`);
}
