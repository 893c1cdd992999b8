/** Where a ledger and its log key live by default, shared by the SDK and the CLI. */
import fs from "node:fs";
import path from "node:path";
import { FormatError, UsageError } from "../errors.js";
import { randomBytes } from "../ledger/crypto.js";
import { formatSignerKey, generateSignerKey, parseSignerKey, type SignerKey } from "../ledger/keys.js";

export const DEFAULT_LEDGER = ".optprov/ledger.db";

/** The ledger path: an explicit one, then $OPTPROV_LEDGER, then `.optprov/ledger.db`. */
export function resolveLedgerPath(explicit?: string): string {
  const file = explicit ?? (process.env.OPTPROV_LEDGER || DEFAULT_LEDGER);
  if (file.trim() === "")
    throw new UsageError("USAGE", "ledger path: expected a file path, got an empty string");
  return file;
}

export function defaultLogKeyFile(ledger: string): string {
  return path.join(path.dirname(path.resolve(ledger)), "log.key");
}

/**
 * Read a signer key from a source: `env:NAME` reads variable NAME, anything else is a file path.
 * Key material is never echoed into errors.
 */
export function readSignerKey(source: string, what: string): SignerKey {
  let text: string;
  if (source.startsWith("env:")) {
    const name = source.slice(4);
    const value = process.env[name];
    if (value === undefined || value.trim() === "")
      throw new UsageError("USAGE", `${what}: environment variable ${name} is not set`);
    text = value;
  } else {
    if (!fs.existsSync(source)) throw new UsageError("FILE_NOT_FOUND", `${what}: no key file at ${source}`);
    if ((fs.statSync(source).mode & 0o077) !== 0 && process.platform !== "win32") {
      process.stderr.write(`warning: ${what} file ${source} is readable by other users; chmod 600 it\n`);
    }
    text = fs.readFileSync(source, "utf8");
  }
  try {
    return parseSignerKey(text);
  } catch (err) {
    if (err instanceof FormatError)
      err.message = `${what} (${source.startsWith("env:") ? source : `file ${source}`}): ${err.message}`;
    throw err;
  }
}

/** Write a private key file only its owner can read; never overwrite one by accident. */
export function writeKeyFile(file: string, key: SignerKey, force = false): void {
  if (fs.existsSync(file) && !force)
    throw new UsageError("FILE_EXISTS", `${file} already exists; pass --force to replace it`);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${formatSignerKey(key)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
  fs.chmodSync(file, 0o600);
}

/**
 * The log key for a ledger: an explicit source, then $OPTPROV_LOG_KEY, then `log.key` beside the
 * ledger; created there (mode 0600) when `create` is set and none exists.
 */
export function loadLogKey(
  ledger: string,
  source: string | undefined,
  create: boolean,
): SignerKey | undefined {
  const src = source ?? (process.env.OPTPROV_LOG_KEY || undefined);
  if (src !== undefined) return readSignerKey(src, "log key");
  const file = defaultLogKeyFile(ledger);
  if (fs.existsSync(file)) return readSignerKey(file, "log key");
  if (!create) return undefined;
  const key = generateSignerKey(`optprov.local/log-${Buffer.from(randomBytes(4)).toString("hex")}`);
  writeKeyFile(file, key);
  process.stderr.write(`created log key ${file} (log ${key.name})\n`);
  return key;
}
