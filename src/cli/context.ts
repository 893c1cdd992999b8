/** Global CLI options resolved to a ledger: the path, the log key, and the open log. */
import fs from "node:fs";
import path from "node:path";
import { UsageError } from "../errors.js";
import { randomBytes } from "../ledger/crypto.js";
import { formatSignerKey, generateSignerKey, type SignerKey } from "../ledger/keys.js";
import { Log } from "../ledger/log.js";
import { SqliteStore } from "../store/sqlite/sqlite-store.js";
import { readSignerKey, writeKeyFile } from "./keys-source.js";
import type { Output } from "./output.js";

export const DEFAULT_LEDGER = ".optprov/ledger.db";

export interface GlobalOptions {
  readonly ledger?: string;
  readonly logKey?: string;
  readonly json?: boolean;
}

export function ledgerPath(opts: GlobalOptions): string {
  const file = opts.ledger ?? (process.env.OPTPROV_LEDGER || DEFAULT_LEDGER);
  if (file.trim() === "")
    throw new UsageError("USAGE", "--ledger: expected a file path, got an empty string");
  return file;
}

function defaultLogKeyFile(ledger: string): string {
  return path.join(path.dirname(path.resolve(ledger)), "log.key");
}

/** The log key: --log-key, then $OPTPROV_LOG_KEY (a source), then log.key beside the ledger. */
function logKeySource(opts: GlobalOptions): string | undefined {
  return opts.logKey ?? (process.env.OPTPROV_LOG_KEY || undefined);
}

function loadOrCreateLogKey(opts: GlobalOptions, create: boolean): SignerKey | undefined {
  const source = logKeySource(opts);
  if (source !== undefined) return readSignerKey(source, "log key");
  const file = defaultLogKeyFile(ledgerPath(opts));
  if (fs.existsSync(file)) return readSignerKey(file, "log key");
  if (!create) return undefined;
  const key = generateSignerKey(`optprov.local/log-${Buffer.from(randomBytes(4)).toString("hex")}`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeKeyFile(file, formatSignerKey(key), false);
  process.stderr.write(`created log key ${file} (log ${key.name})\n`);
  return key;
}

/** Open the ledger for writing, creating it and its log key on first use. */
export async function openLogForWrite(opts: GlobalOptions): Promise<Log> {
  const file = ledgerPath(opts);
  const exists = fs.existsSync(file);
  const logKey = loadOrCreateLogKey(opts, !exists);
  return Log.open(SqliteStore.open(file), { ...(logKey ? { logKey } : {}) });
}

/** Open an existing ledger for reading; the log key is loaded only if it is at hand. */
export async function openLogForRead(opts: GlobalOptions, withKey = false): Promise<Log> {
  const file = ledgerPath(opts);
  if (!fs.existsSync(file)) {
    throw new UsageError(
      "FILE_NOT_FOUND",
      `no ledger at ${file}; append an entry to create one, or pass --ledger`,
    );
  }
  const logKey = withKey ? loadOrCreateLogKey(opts, false) : undefined;
  return Log.open(SqliteStore.open(file, { readonly: !withKey }), { ...(logKey ? { logKey } : {}) });
}

export async function withLog<T>(log: Promise<Log>, fn: (log: Log) => Promise<T>): Promise<T> {
  const l = await log;
  try {
    return await fn(l);
  } finally {
    await l.close();
  }
}

export type { Output };
