/** A real log in a temporary SQLite file, with the control rules, and envelopes signed the way a client signs them. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ControlState } from "../../control/state.js";
import { signEntry } from "../../ledger/entry.js";
import { formatVerifierKey, generateSignerKey, type SignerKey } from "../../ledger/keys.js";
import { Log } from "../../ledger/log.js";
import { ledgerRules } from "../../oversight/gate-detectors.js";
import { SqliteStore } from "../../store/sqlite/sqlite-store.js";

export const tmpDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "optprov-server-"));

let n = 0;
export async function openTestLog(dir: string, logKey: SignerKey): Promise<Log<ControlState>> {
  return Log.open(SqliteStore.open(path.join(dir, `ledger-${n++}.db`)), { logKey, rules: ledgerRules() });
}

/** A DSSE envelope as JSON, signed by `key` for the log `origin`, as a remote client would send it. */
export function envelopeJson(
  origin: string,
  key: SignerKey,
  kind: "actor" | "note" | "halt",
  predicate: Record<string, unknown>,
): unknown {
  const time = new Date().toISOString();
  const bytes = signEntry(kind, { time, log: origin, ...predicate } as never, key);
  return JSON.parse(Buffer.from(bytes).toString("utf8"));
}

export const actorJson = (origin: string, key: SignerKey): unknown =>
  envelopeJson(origin, key, "actor", { actor: key.name, role: "person", key: formatVerifierKey(key) });

export const noteJson = (origin: string, key: SignerKey, text: string): unknown =>
  envelopeJson(origin, key, "note", { actor: key.name, text });

export const newKey = generateSignerKey;
