/** The public surface of optprov/interop is explicit: this list changes only on purpose. */
import { expect, it } from "vitest";
import * as interop from "./index.js";

it("pins the exports of optprov/interop", () => {
  expect(Object.keys(interop).sort()).toEqual([
    "EXPORT_FORMATS",
    "MAX_OTLP_BODY_BYTES",
    "OPENLINEAGE_SCHEMA_URL",
    "OPTIMIZER_FACET_SCHEMA_URL",
    "OPTPROV_ENTRY_KIND",
    "OTLP_JSON",
    "OTLP_PROTOBUF",
    "OtlpError",
    "SIGSTORE_BUNDLE_V03",
    "decodeOtlp",
    "decodeOtlpJson",
    "decodeOtlpProtobuf",
    "exportFormat",
    "exportLedger",
    "genAiFields",
    "ingestOtlp",
    "logIdFor",
    "optimizerFacts",
    "otlpHandler",
    "otlpIngestor",
    "readExportRequest",
    "runIdFor",
    "signSpanBatches",
    "toCycloneDx",
    "toOpenLineage",
    "toOtlpJson",
    "toSigstoreBundle",
    "verifySigstoreBundle",
  ]);
});
