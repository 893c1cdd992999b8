/**
 * OTLP/HTTP protobuf bodies (`application/x-protobuf`): decoded with protobufjs against the
 * vendored opentelemetry-proto messages (`trace-descriptor.ts`), turned into the OTLP JSON shape
 * (64-bit integers as decimal strings, enums as integers, bytes as base64) and read by the same
 * code as JSON bodies (`decode.ts`), so both encodings are held to the same checks.
 */
import protobuf from "protobufjs";
import { OtlpError } from "../../errors.js";
import type { SpanBatchBody } from "../../ledger/span-batch.js";
import { readExportRequest } from "./decode.js";
import { OTLP_TRACE_DESCRIPTOR } from "./trace-descriptor.js";

const REQUEST = "opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest";

let requestType: protobuf.Type | undefined;
/** The request message type, built once from the descriptor on first use. */
export function exportRequestType(): protobuf.Type {
  requestType ??= protobuf.Root.fromJSON(OTLP_TRACE_DESCRIPTOR as protobuf.INamespace).lookupType(REQUEST);
  return requestType;
}

/** protobufjs's conversion to plain objects in the OTLP JSON shape (ids stay base64). */
const AS_JSON: protobuf.IConversionOptions = { longs: String, enums: Number, bytes: String, json: true };

/**
 * Decode an OTLP/HTTP protobuf body into a span batch's body. Throws OtlpError (`OTLP_INVALID`,
 * `OTLP_TOO_LARGE`).
 *
 * @example decodeOtlpProtobuf(new Uint8Array()).spans // [] (an empty request)
 */
export function decodeOtlpProtobuf(body: Uint8Array): SpanBatchBody {
  const type = exportRequestType();
  let object: unknown;
  try {
    object = type.toObject(type.decode(body), AS_JSON);
  } catch (cause) {
    throw new OtlpError(
      "OTLP_INVALID",
      `OTLP protobuf body: expected an ExportTraceServiceRequest, got ${body.length} bytes that do not decode as one (${(cause as Error).message.slice(0, 120)})`,
      { cause },
    );
  }
  return readExportRequest(object, "base64");
}
