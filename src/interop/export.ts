/**
 * One entry point for every export `optprov export` offers: W3C PROV-JSON, OpenLineage RunEvents, a
 * Sigstore bundle of one entry, a CycloneDX ML-BOM of one optimizer.
 *
 * The interop formats are read by tools that cannot check the ledger themselves, so they are made
 * only from a ledger that verifies (`verifyLedger`, the same check as `optprov verify`): on a ledger
 * that does not, the export is refused with the verifier's code (LEAF_HASH_MISMATCH,
 * CONTROL_UNAPPROVED, ...) rather than handing forged history to another system. PROV-JSON keeps its
 * earlier behaviour: it reads a damaged ledger as every reader does, leaving out the entries that
 * break a rule.
 */
import { PolicyError, UsageError, VerificationError } from "../errors.js";
import { toProvJson } from "../explain/prov-json.js";
import type { LedgerStore } from "../ledger/store.js";
import { readLedger } from "../oversight/read-ledger.js";
import { verifyLedger } from "../oversight/verify.js";
import { toCycloneDx } from "./cyclonedx.js";
import { toOpenLineage } from "./openlineage.js";
import { toSigstoreBundle } from "./sigstore-bundle.js";

export const EXPORT_FORMATS = ["prov-json", "openlineage", "sigstore", "cyclonedx"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportRequest {
  readonly format: ExportFormat;
  /** openlineage: only this optimizer's events; cyclonedx: the BOM's subject (required). */
  readonly optimizer?: string;
  /** sigstore: the entry to bundle (required). */
  readonly entry?: number;
  /** The optprov version to name as the BOM's tool. */
  readonly toolVersion?: string;
}

/**
 * Read `format` as an export format (`prov` is PROV-JSON's short name); USAGE for anything else.
 *
 * @example exportFormat("prov") // "prov-json"
 */
export function exportFormat(text: string): ExportFormat {
  if (text === "prov") return "prov-json";
  if ((EXPORT_FORMATS as readonly string[]).includes(text)) return text as ExportFormat;
  throw new UsageError(
    "USAGE",
    `--format: expected one of prov (prov-json), openlineage, sigstore, cyclonedx, got ${JSON.stringify(text)}`,
  );
}

function checkOptions(r: ExportRequest): void {
  const wants = { entry: r.format === "sigstore", optimizer: r.format === "cyclonedx" };
  if (wants.entry && r.entry === undefined)
    throw new UsageError("USAGE", "--entry: expected an entry index for --format sigstore, got none");
  if (!wants.entry && r.entry !== undefined)
    throw new UsageError(
      "USAGE",
      `--entry: expected only with --format sigstore, got it with --format ${r.format}`,
    );
  if (wants.optimizer && r.optimizer === undefined)
    throw new UsageError("USAGE", "--optimizer: expected an optimizer name for --format cyclonedx, got none");
  if (r.optimizer !== undefined && r.format !== "cyclonedx" && r.format !== "openlineage")
    throw new UsageError(
      "USAGE",
      `--optimizer: expected only with --format openlineage or cyclonedx, got it with --format ${r.format}`,
    );
}

/**
 * The export `request` asks for, as a JSON value. Throws UsageError USAGE for options that do not
 * fit the format, VerificationError with the verifier's code when the ledger does not verify (not
 * for PROV-JSON), PolicyError OPTIMIZER_UNKNOWN, VerificationError INDEX_OUT_OF_RANGE or
 * CHECKPOINT_MISSING.
 *
 * @example const bom = await exportLedger(store, { format: "cyclonedx", optimizer: "planner" });
 */
export async function exportLedger(store: LedgerStore, request: ExportRequest): Promise<unknown> {
  checkOptions(request);
  if (request.format !== "prov-json") {
    const report = await verifyLedger(store);
    if (!report.ok && report.problem !== undefined) {
      const p = report.problem;
      throw new VerificationError(
        p.code,
        `a ledger that verifies expected, got ${p.code}${p.index !== undefined ? ` at ${p.index}` : ""} (${p.message}); nothing was exported (optprov verify says more)`,
      );
    }
  }
  const { state, log } = await readLedger(store);
  switch (request.format) {
    case "prov-json":
      return toProvJson(state, store);
    case "openlineage":
      if (request.optimizer !== undefined && !state.optimizers.has(request.optimizer))
        throw new PolicyError(
          "OPTIMIZER_UNKNOWN",
          `an optimizer name expected, got ${JSON.stringify(request.optimizer)}`,
        );
      return toOpenLineage(state, store, {
        origin: log.origin,
        ...(request.optimizer !== undefined ? { optimizer: request.optimizer } : {}),
      });
    case "sigstore":
      return toSigstoreBundle(log, request.entry!);
    case "cyclonedx":
      return toCycloneDx(state, store, {
        optimizer: request.optimizer!,
        origin: log.origin,
        ...(request.toolVersion !== undefined ? { toolVersion: request.toolVersion } : {}),
      });
  }
}
