/**
 * Where the CLI gets keys: a file (mode 0600, as keygen writes it) or an environment variable
 * (`env:NAME`). Key material is never printed or logged.
 */
import fs from "node:fs";
import { UsageError } from "../errors.js";
import { parseSignerKey, type SignerKey } from "../ledger/keys.js";

export const KEY_SOURCE_HELP =
  "a key file written by `optprov keygen`, or env:NAME to read the key from variable NAME";

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
    const mode = fs.statSync(source).mode & 0o077;
    if (mode !== 0 && process.platform !== "win32") {
      process.stderr.write(`warning: ${what} file ${source} is readable by other users; chmod 600 it\n`);
    }
    text = fs.readFileSync(source, "utf8");
  }
  try {
    return parseSignerKey(text);
  } catch (err) {
    (err as Error).message =
      `${what} (${source.startsWith("env:") ? source : `file ${source}`}): ${(err as Error).message}`;
    throw err;
  }
}

/** Write a private key file that only its owner can read; never overwrite one by accident. */
export function writeKeyFile(file: string, text: string, force: boolean): void {
  if (fs.existsSync(file) && !force)
    throw new UsageError("FILE_EXISTS", `${file} already exists; pass --force to replace it`);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${text}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
  fs.chmodSync(file, 0o600);
}
