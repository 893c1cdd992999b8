/** Global CLI options resolved to a ledger: the path, the log key, and the open log. */
import fs from "node:fs";
import type { ControlState } from "../control/state.js";
import { UsageError } from "../errors.js";
import { Log } from "../ledger/log.js";
import { ledgerRules } from "../oversight/gate-detectors.js";
import { loadLogKey, resolveLedgerPath } from "../sdk/location.js";
import { SqliteStore } from "../store/sqlite/sqlite-store.js";

export interface GlobalOptions {
  readonly ledger?: string;
  readonly logKey?: string;
  readonly json?: boolean;
}

export function ledgerPath(opts: GlobalOptions): string {
  return resolveLedgerPath(opts.ledger);
}

/** Open the ledger for writing, creating it and its log key on first use. */
export async function openLogForWrite(opts: GlobalOptions): Promise<Log<ControlState>> {
  const file = ledgerPath(opts);
  const logKey = loadLogKey(file, opts.logKey, !fs.existsSync(file));
  return Log.open(SqliteStore.open(file), { ...(logKey ? { logKey } : {}), rules: ledgerRules() });
}

/** The path of a ledger that must already exist (read, review, halt, audit). */
export function existingLedgerPath(opts: GlobalOptions): string {
  const file = ledgerPath(opts);
  if (!fs.existsSync(file)) {
    throw new UsageError(
      "FILE_NOT_FOUND",
      `no ledger at ${file}; append an entry to create one, or pass --ledger`,
    );
  }
  return file;
}

/** Open an existing ledger for reading; the log key is loaded only if asked for and at hand. */
export async function openLogForRead(opts: GlobalOptions, withKey = false): Promise<Log<ControlState>> {
  const file = existingLedgerPath(opts);
  const logKey = withKey ? loadLogKey(file, opts.logKey, false) : undefined;
  return Log.open(SqliteStore.open(file, { readonly: !withKey }), {
    ...(logKey ? { logKey } : {}),
    rules: ledgerRules(),
  });
}

export async function withLog<T>(
  log: Promise<Log<ControlState>>,
  fn: (log: Log<ControlState>) => Promise<T>,
): Promise<T> {
  const l = await log;
  try {
    return await fn(l);
  } finally {
    await l.close();
  }
}

export const KEY_SOURCE_HELP =
  "a key file written by `optprov keygen`, or env:NAME to read the key from variable NAME";
