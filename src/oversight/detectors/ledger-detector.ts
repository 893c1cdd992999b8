/**
 * A detector over a whole ledger, fed one entry at a time in index order by the audit's single
 * replay (`oversight/audit.ts`), with the control state as of that entry. A detector keeps only
 * what it needs (per-episode sums, the current parameters), so an audit's memory is bounded by
 * what detectors keep, never by the ledger's bytes or its number of steps.
 */
import type { ControlState, OptimizerRecord } from "../../control/state.js";
import type { Statement } from "../../ledger/statement.js";
import type { Finding } from "./finding.js";

export interface LedgerDetector {
  /** Every entry the replay applied, with its whole statement. */
  entry?(index: number, statement: Statement, state: ControlState): void;
  /** An optimizer's recorded spec, once, when its creation entry is read (inline or from its blob). */
  spec?(optimizer: OptimizerRecord, spec: unknown, state: ControlState): void;
  /**
   * Findings on the entries read so far: once at the end of an audit, or again and again between
   * entries by a server that keeps its detectors running (`server/read-models.ts`). Asking must not
   * change what the detector keeps.
   */
  finish(state: ControlState): Finding[];
}

/** Makes a fresh detector for one audit. */
export type LedgerDetectorFactory = () => LedgerDetector;

/** A finding that a detector could not read what it was meant to check: "no finding" must never mean "not looked at". */
export function unreadable(detector: string, message: string, entry?: number, optimizer?: string): Finding {
  return {
    detector,
    code: "UNREADABLE",
    severity: "medium",
    ...(optimizer !== undefined ? { optimizer } : {}),
    message,
    evidence: entry !== undefined ? { entries: [entry] } : {},
    ...(entry !== undefined ? { firstAt: { entry } } : {}),
  };
}

/**
 * The steps of a batch as rows, for detectors that read per-step metrics.
 *
 * @example for (const { step, metrics } of stepRows(batch)) console.log(step, metrics.reward);
 */
export function* stepRows(
  p: Extract<Statement, { kind: "step-batch" }>["predicate"],
): Iterable<{ readonly step: number; readonly metrics: Readonly<Record<string, number>> }> {
  const columns = Object.entries(p.steps.metrics ?? {});
  for (let i = 0; i < p.steps.count; i++) {
    const metrics: Record<string, number> = {};
    for (const [k, col] of columns) {
      const v = col[i];
      if (v !== null && v !== undefined) metrics[k] = v;
    }
    yield { step: p.firstStep + i, metrics };
  }
}
