/** Where a ledger and its log key live by default, and reading keys, shared by the SDK and the CLI. */
import fs from "node:fs";
import path from "node:path";
import { FormatError, UsageError } from "../errors.js";
import { randomBytes } from "../ledger/crypto.js";
import {
  ALG_COSIGNATURE_V1,
  formatSignerKey,
  generateSignerKey,
  parseSignerKey,
  parseVerifierKey,
  type SignerKey,
  type VerifierKey,
} from "../ledger/keys.js";
import { parseStoreLocation } from "../store/open-store.js";
import { checkPathArgument, decodeUtf8, readInputFile, shownPath } from "./input-file.js";
import { writeOutputFile } from "./output-file.js";

export const DEFAULT_LEDGER = ".optprov/ledger.db";

/**
 * The most bytes a key file or key variable may hold. A signer key is at most about 330 characters
 * (`PRIVATE+KEY+`, a 255-character name, an 8-digit ID, 45 characters of base64); 4 KiB leaves room
 * for a trailing newline or a comment, and stops `/dev/zero` given as a key at once.
 */
export const MAX_KEY_BYTES = 4096;

/**
 * The ledger's location: an explicit one, then $OPTPROV_LEDGER, then `.optprov/ledger.db`. A file
 * path, `sqlite:PATH`, or a `postgres://` URL (`store/open-store.ts` reads it).
 */
export function resolveLedgerPath(explicit?: string): string {
  const file = explicit ?? (process.env.OPTPROV_LEDGER || DEFAULT_LEDGER);
  if (file.trim() === "")
    throw new UsageError("USAGE", "ledger path: expected a file path, got an empty string");
  checkPathArgument(file, "ledger path");
  return file;
}

/**
 * Where a ledger's log key is kept unless one is named: `log.key` beside a ledger file; for a ledger
 * in a database, which has no folder, `.optprov/log.key` in the working directory, as for the
 * default ledger.
 *
 * @example defaultLogKeyFile("lab/ledger.db") // "/home/alice/lab/log.key"
 */
export function defaultLogKeyFile(ledger: string): string {
  const where = parseStoreLocation(ledger);
  if (where.kind !== "sqlite") return path.join(path.dirname(DEFAULT_LEDGER), "log.key");
  return path.join(path.dirname(path.resolve(where.file)), "log.key");
}

/**
 * What a key is for. Note keys (type 0x01) sign entries as actors and sign the log's checkpoints;
 * cosigner keys (type 0x04, `keygen --witness`) only cosign checkpoints as witnesses. Keeping the
 * roles apart means a witness's key can never be talked into signing entries, nor an actor's
 * into vouching for a checkpoint (c2sp.org/tlog-cosignature §Key types).
 */
export type KeyRole = "actor" | "witness" | "log";

/**
 * Refuse a key in the wrong role with KEY_WRONG_ROLE.
 *
 * @example checkKeyRole(witnessKey, "actor", "--key") // throws: w1 is a witness cosigner key
 */
export function checkKeyRole(key: VerifierKey, role: KeyRole, what: string): void {
  const witness = key.type === ALG_COSIGNATURE_V1;
  if (role === "witness" && !witness)
    throw new UsageError(
      "KEY_WRONG_ROLE",
      `${what}: ${key.name} is an ordinary signing key; a witness cosigner key (optprov keygen --witness) is expected here`,
    );
  if (role !== "witness" && witness)
    throw new UsageError(
      "KEY_WRONG_ROLE",
      `${what}: ${key.name} is a witness cosigner key (made with keygen --witness); ${role === "log" ? "the log's signing key" : "an actor's signing key"} is expected here`,
    );
}

// Parse errors whose wording quotes nothing from the key text; any other is replaced by a fixed
// sentence, because the text may be a secret (a private key symlinked where a public one belongs).
const SAFE_KEY_REASON =
  /expected \d+ '\+'-separated fields, got \d+ characters$|expected to start with PRIVATE\+KEY\+$|key material is not valid base64$|expected type 0x01 or 0x04 and \d+ key bytes, got \d+ bytes of type \w+$/;

function keyReason(err: unknown): string {
  const message = err instanceof Error ? err.message : "";
  return SAFE_KEY_REASON.test(message) ? message.replace(/^(signer|verifier) key: /, "") : "";
}

function keyText(source: string, what: string): { text: string; where: string; mode: number | undefined } {
  if (source.startsWith("env:")) {
    const name = source.slice(4);
    const value = process.env[name];
    if (value === undefined || value.trim() === "")
      throw new UsageError("USAGE", `${what}: environment variable ${shownPath(name)} is not set`);
    if (Buffer.byteLength(value) > MAX_KEY_BYTES)
      throw new FormatError(
        "KEY_INVALID",
        `${what} (${source}): longer than any key (${MAX_KEY_BYTES} bytes)`,
      );
    return { text: value, where: source, mode: undefined };
  }
  const { bytes, mode } = readInputFile(source, { what, maxBytes: MAX_KEY_BYTES });
  return { text: decodeUtf8(bytes, source, what), where: `file ${shownPath(source)}`, mode };
}

/**
 * Read a signer key from a source: `env:NAME` reads variable NAME, anything else is a file path
 * (read through `readInputFile`: regular files only, at most {@link MAX_KEY_BYTES}). With a `role`,
 * a key made for another role is refused (KEY_WRONG_ROLE). Key material is never echoed into errors.
 *
 * @example const alice = readSignerKey("alice.key", "--actor", "actor");
 */
export function readSignerKey(source: string, what: string, role?: KeyRole): SignerKey {
  const { text, where, mode } = keyText(source, what);
  if (mode !== undefined && (mode & 0o077) !== 0 && process.platform !== "win32")
    process.stderr.write(`warning: ${what} ${where} is readable by other users; chmod 600 it\n`);
  let key: SignerKey;
  try {
    key = parseSignerKey(text);
  } catch (cause) {
    if (!(cause instanceof FormatError)) throw cause;
    const reason = keyReason(cause);
    const hint = /^[^+\s]+\+[0-9a-f]{8}\+/.test(text.trim())
      ? "it holds a public verifier key, not a private key"
      : "expected a private key written by optprov keygen (PRIVATE+KEY+<name>+<id>+<key>)";
    throw new FormatError("KEY_INVALID", `${what} (${where}): ${reason || hint}`, { cause });
  }
  if (role !== undefined) checkKeyRole(key, role, `${what} (${where})`);
  return key;
}

/**
 * A verifier key given inline (`name+id+base64`) or as a file holding one: a value naming an
 * existing path is read as a file; a file's content is never quoted in an error. With a `role`, a
 * key of the other role is refused (KEY_WRONG_ROLE).
 *
 * @example const logKey = readVerifierKey("log.pub", "--log-pubkey", "log");
 */
export function readVerifierKey(value: string, what: string, role?: KeyRole): VerifierKey {
  checkPathArgument(value, what);
  let fromFile = false;
  try {
    fs.lstatSync(value);
    fromFile = true;
  } catch {}
  let key: VerifierKey;
  if (fromFile) {
    const text = decodeUtf8(
      readInputFile(value, { what, maxBytes: MAX_KEY_BYTES }).bytes,
      value,
      what,
    ).trim();
    try {
      key = parseVerifierKey(text);
    } catch (cause) {
      const hint = text.startsWith("PRIVATE+KEY+")
        ? "it holds a private key; give the public verifier key (optprov log-key or keygen prints it)"
        : "expected a verifier key <name>+<id>+<base64>";
      throw new FormatError("KEY_INVALID", `${what} (file ${shownPath(value)}): ${hint}`, { cause });
    }
  } else {
    if (!value.includes("+"))
      throw new UsageError(
        "FILE_NOT_FOUND",
        `${what}: no file at ${shownPath(value)}, and it is not a verifier key (<name>+<id>+<base64>)`,
      );
    if (value.startsWith("PRIVATE+KEY+"))
      throw new FormatError("KEY_INVALID", `${what}: that is a private key; give the public verifier key`);
    try {
      key = parseVerifierKey(value);
    } catch (err) {
      if (err instanceof FormatError) err.message = `${what}: ${err.message}`;
      throw err;
    }
  }
  if (role !== undefined) checkKeyRole(key, role, what);
  return key;
}

/**
 * Write a private key file only its owner can read (mode 0600), atomically; never overwrite one
 * by accident. Missing parent directories are made.
 *
 * @example writeKeyFile("keys/alice.key", generateSignerKey("alice"));
 */
export function writeKeyFile(file: string, key: SignerKey, force = false, what = "key file"): void {
  writeOutputFile(file, `${formatSignerKey(key)}\n`, {
    what,
    overwrite: force,
    mode: 0o600,
    makeDirectories: true,
  });
}

/** A new log key, in memory only: the caller writes it once the ledger it belongs to exists. */
export function newLogKey(): SignerKey {
  return generateSignerKey(`optprov.local/log-${Buffer.from(randomBytes(4)).toString("hex")}`);
}

/**
 * The log key for a ledger if one is at hand: `source` (a file or `env:NAME`) when given, else
 * `log.key` beside the ledger when it exists. Never creates anything.
 *
 * @example const key = findLogKey(".optprov/ledger.db", undefined); // .optprov/log.key, or undefined
 */
export function findLogKey(ledger: string, source: string | undefined): SignerKey | undefined {
  if (source !== undefined) return readSignerKey(source, "log key", "log");
  const file = defaultLogKeyFile(ledger);
  if (fs.existsSync(file)) return readSignerKey(file, "log key", "log");
  return undefined;
}

/**
 * The log key for a ledger: an explicit source, then $OPTPROV_LOG_KEY, then `log.key` beside the
 * ledger; created there (mode 0600) when `create` is set and none exists.
 *
 * @example const logKey = loadLogKey(".optprov/ledger.db", undefined, true);
 */
export function loadLogKey(
  ledger: string,
  source: string | undefined,
  create: boolean,
): SignerKey | undefined {
  const found = findLogKey(ledger, source ?? (process.env.OPTPROV_LOG_KEY || undefined));
  if (found !== undefined || !create) return found;
  const file = defaultLogKeyFile(ledger);
  const key = newLogKey();
  writeKeyFile(file, key, false, "log key");
  process.stderr.write(`created log key ${file} (log ${key.name})\n`);
  return key;
}
