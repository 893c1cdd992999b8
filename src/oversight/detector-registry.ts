/**
 * The built-in detectors by the name a policy or an audit uses for them, each with the checks it
 * offers: `gate` (run on a spec before a creation is admitted, `detectors:` in a policy) and
 * `ledger` (run by `audit` over a whole ledger). The gate detectors here are the ones every ledger
 * opens with (`ledgerRules()`), so a policy's `detectors:` names work without wiring; the ledger
 * detectors are the ones `audit` runs by default.
 */
import type { GateDetector } from "../control/gate-request.js";
import { LEDGER_DETECTORS } from "./audit.js";
import type { LedgerDetectorFactory } from "./detectors/ledger-detector.js";
import { GATE_DETECTORS } from "./gate-detectors.js";

/** What one built-in detector offers. */
export interface DetectorEntry {
  readonly name: string;
  /** The check a policy can require at the gate, when the detector has one. */
  readonly gate?: GateDetector;
  /** The ledger-wide check `audit` runs, when the detector has one. */
  readonly ledger?: LedgerDetectorFactory;
}

function registry(): Readonly<Record<string, DetectorEntry>> {
  const out: Record<string, DetectorEntry> = {};
  for (const name of [
    ...new Set([...Object.keys(GATE_DETECTORS), ...Object.keys(LEDGER_DETECTORS)]),
  ].sort()) {
    const gate = GATE_DETECTORS[name];
    const ledger = LEDGER_DETECTORS[name];
    out[name] = { name, ...(gate ? { gate } : {}), ...(ledger ? { ledger } : {}) };
  }
  return Object.freeze(out);
}

/**
 * Every built-in detector, by name (`forgery` is not here: it is the verifier's report, which
 * `audit` always runs).
 *
 * @example DETECTORS["oversight-dependence"]?.gate?.({ name: "planner", document: spec }).passed
 */
export const DETECTORS: Readonly<Record<string, DetectorEntry>> = registry();
