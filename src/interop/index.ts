/**
 * Standard exports of a ledger that other ecosystems' tools check (`optprov/interop`): OpenLineage
 * RunEvents, Sigstore bundles, CycloneDX 1.6 ML-BOMs, and the one entry point `optprov export` calls.
 * docs/interop.md says what each carries and how a verifier checks a bundle. And one way in:
 * OpenTelemetry GenAI spans over OTLP/HTTP, signed into the ledger by a collector (docs/otlp.md).
 */
export { OtlpError, type OtlpErrorCode } from "../errors.js";
export { type CycloneDxBom, type CycloneDxComponent, toCycloneDx } from "./cyclonedx.js";
export {
  EXPORT_FORMATS,
  type ExportFormat,
  type ExportRequest,
  exportFormat,
  exportLedger,
} from "./export.js";
export {
  OPENLINEAGE_SCHEMA_URL,
  OPTIMIZER_FACET_SCHEMA_URL,
  type OpenLineageOptions,
  type OptimizerRunFacet,
  type ParentRunFacet,
  type RunEvent,
  type RunEventType,
  runIdFor,
  toOpenLineage,
} from "./openlineage.js";
export {
  type HaltFact,
  type ObjectiveSummary,
  type OptimizerFacts,
  optimizerFacts,
  type ProcessSummary,
  type WorldModelSummary,
} from "./optimizer-facts.js";
export { decodeOtlpJson, readExportRequest } from "./otlp/decode.js";
export { decodeOtlpProtobuf } from "./otlp/decode-protobuf.js";
export { genAiFields } from "./otlp/genai.js";
export { type OtlpHandlerOptions, otlpHandler } from "./otlp/handler.js";
export {
  decodeOtlp,
  type IngestResult,
  ingestOtlp,
  MAX_OTLP_BODY_BYTES,
  OTLP_JSON,
  OTLP_PROTOBUF,
  type OtlpTarget,
  otlpIngestor,
  signSpanBatches,
} from "./otlp/ingest.js";
export { toOtlpJson } from "./otlp/to-otlp.js";
export {
  type BundleCheck,
  logIdFor,
  OPTPROV_ENTRY_KIND,
  SIGSTORE_BUNDLE_V03,
  type SigstoreBundle,
  type SigstoreTlogEntry,
  toSigstoreBundle,
  verifySigstoreBundle,
} from "./sigstore-bundle.js";
