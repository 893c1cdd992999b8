/**
 * Verify a ledger as its log admitted it: the log's own rules and mesa-optimizer control, with the
 * built-in gate detectors. `optprov verify` calls this.
 */
import type { GateDetector } from "../control/gate-request.js";
import type { LedgerStore } from "../ledger/store.js";
import { type VerifyOptions, type VerifyReport, verifyLog } from "../ledger/verify.js";
import { ledgerRules } from "./gate-detectors.js";

/**
 * @example const report = await verifyLedger(SqliteStore.open("ledger.db", { readonly: true }));
 */
export function verifyLedger(
  store: LedgerStore,
  options: Omit<VerifyOptions<unknown>, "rules"> & {
    readonly gateDetectors?: Readonly<Record<string, GateDetector>>;
  } = {},
): Promise<VerifyReport> {
  const { gateDetectors, ...rest } = options;
  return verifyLog(store, { ...rest, rules: ledgerRules(gateDetectors) });
}
