/**
 * Read a ledger's control state for people (explain, tree, the review queue, exports), replayed
 * through the same rules the log ran. A ledger that was tampered with is still read: entries that
 * break a rule are skipped and listed, so a reader sees what can be trusted and what was not.
 */
import type { ControlState } from "../control/state.js";
import { Log } from "../ledger/log.js";
import type { Statement } from "../ledger/statement.js";
import type { LedgerStore } from "../ledger/store.js";
import type { WorkerPool } from "../ledger/worker-pool.js";
import { ledgerRules } from "./gate-detectors.js";

export interface SkippedEntry {
  readonly index: number;
  readonly code: string;
  readonly message: string;
}

export interface ReadLedger {
  readonly state: ControlState;
  readonly log: Log<ControlState>;
  /** Entries the replay could not apply (a ledger edited behind the log's back), in order. */
  readonly skipped: readonly SkippedEntry[];
}

/**
 * @example const { state, log } = await readLedger(SqliteStore.open("ledger.db", { readonly: true }));
 */
export async function readLedger(
  store: LedgerStore,
  options: { readonly pool?: WorkerPool } = {},
): Promise<ReadLedger> {
  const skipped: SkippedEntry[] = [];
  const log = await Log.open(store, {
    rules: ledgerRules(),
    onRefused: (index, code, message) => skipped.push({ index, code, message }),
    ...(options.pool ? { pool: options.pool } : {}),
  });
  await log.settle();
  return { state: log.state, log, skipped };
}

/**
 * Stream every entry a ledger's rules admit, with its whole statement and the control state as of
 * that entry; entries that break a rule are skipped (and returned).
 *
 * @example await replayLedger(store, (index, s) => { if (s.kind === "note") console.log(index, s.predicate.text); });
 */
export async function replayLedger(
  store: LedgerStore,
  visit: (index: number, statement: Statement, state: ControlState) => void,
  options: { readonly pool?: WorkerPool } = {},
): Promise<readonly SkippedEntry[]> {
  const skipped: SkippedEntry[] = [];
  const log = await Log.open(store, {
    rules: ledgerRules(),
    onRefused: (index, code, message) => skipped.push({ index, code, message }),
    observer: { full: true, entry: (index, entry, _blob, state) => visit(index, entry.statement!, state) },
    ...(options.pool ? { pool: options.pool } : {}),
  });
  await log.settle();
  return skipped;
}
