/**
 * A witness's memory of what it cosigned, kept so it cannot be silently rolled back or swapped: an
 * append-only file of records, each signed by the witness's own key and chained to the one before
 * by its SHA-256, checked whole on every use. A witness whose record is missing, truncated, edited,
 * or signed by another key refuses to cosign (until told explicitly to start afresh, which it
 * records), so a log that deletes or rolls back the record cannot get it to cosign a fork.
 *
 * One line per record, JSON: `{v, seq, event, origin, size, root, time, prev, reason?, key, sig}`;
 * `sig` is Ed25519 over `optprov witness record v1\n` + the canonical JSON of the other fields (a
 * context of its own, so a record signature can never be taken for a cosignature or a note).
 *
 * What this cannot catch on its own: a copy of an older record file put back by someone who also
 * deletes every later cosignature from the log. The record is then consistent and the log shows
 * nothing newer. `cosignLatest` therefore also checks the log's own evidence (cosignatures by this
 * key that verify); keep the record on storage the log's operator cannot write.
 */
import fs from "node:fs";
import path from "node:path";
import { FormatError, VerificationError } from "../errors.js";
import { decodeBase64, encodeBase64, toHex } from "../ledger/base64.js";
import { ed25519Sign, ed25519Verify, sha256 } from "../ledger/crypto.js";
import { formatVerifierKey, type SignerKey } from "../ledger/keys.js";
import { canonicalJson } from "../model/index.js";

const CONTEXT = "optprov witness record v1\n";
/** Records are small; a file this large is not a witness record. */
const MAX_RECORD_FILE = 64 * 1024 * 1024;

export interface WitnessEntry {
  readonly v: 1;
  readonly seq: number;
  /** `genesis` when the record was made, `cosign` for each cosignature, `fresh` for an explicit new start. */
  readonly event: "genesis" | "cosign" | "fresh";
  /** The log's origin (empty for `genesis`). */
  readonly origin: string;
  readonly size: number;
  /** base64 root hash at `size` (empty for `genesis`). */
  readonly root: string;
  readonly time: string;
  /** Hex SHA-256 of the previous line, or "" for the first. */
  readonly prev: string;
  readonly reason?: string;
  /** The witness's verifier key. */
  readonly key: string;
  readonly sig: string;
}

/** What a witness last attested for one log. */
export interface WitnessHead {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
  readonly seq: number;
}

function signable(e: Omit<WitnessEntry, "sig">): Uint8Array {
  return Buffer.from(CONTEXT + canonicalJson(e), "utf8");
}

function broken(file: string, message: string): never {
  throw new VerificationError("WITNESS_RECORD_BROKEN", `witness record ${file}: ${message}`);
}

export class WitnessRecord {
  readonly file: string;
  private readonly key: SignerKey;
  private entries: WitnessEntry[];
  private lastLine: string;

  private constructor(file: string, key: SignerKey, entries: WitnessEntry[], lastLine: string) {
    this.file = file;
    this.key = key;
    this.entries = entries;
    this.lastLine = lastLine;
  }

  /**
   * Start a new record for `key` (done once, when the witness key is made). Refuses to replace one.
   *
   * @example WitnessRecord.create("w1.key.record", witnessKey);
   */
  static create(file: string, key: SignerKey): WitnessRecord {
    if (fs.existsSync(file))
      throw new VerificationError("WITNESS_RECORD_EXISTS", `witness record ${file} already exists`);
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const record = new WitnessRecord(file, key, [], "");
    record.append({ event: "genesis", origin: "", size: 0, root: "" }, "wx");
    return record;
  }

  /**
   * Read and check a record: every line signed by `key`, chained, numbered in order.
   *
   * @example const record = WitnessRecord.open("w1.key.record", witnessKey);
   */
  static open(file: string, key: SignerKey): WitnessRecord {
    let text: string;
    try {
      const st = fs.statSync(file);
      if (!st.isFile()) broken(file, "expected a regular file");
      if (st.size > MAX_RECORD_FILE) broken(file, `expected at most ${MAX_RECORD_FILE} bytes`);
      text = new TextDecoder("utf-8", { fatal: true }).decode(fs.readFileSync(file));
    } catch (err) {
      if (err instanceof VerificationError) throw err;
      if ((err as NodeJS.ErrnoException).code === "ENOENT")
        throw new VerificationError(
          "WITNESS_RECORD_MISSING",
          `witness record ${file} is missing: it was deleted or never made; a witness without its record refuses to cosign (start afresh explicitly if you must)`,
        );
      broken(file, `cannot be read (${(err as Error).message})`);
    }
    return WitnessRecord.parse(file, text, key);
  }

  /**
   * Check a record's text (read by the caller, e.g. through a bounded reader): every line signed by
   * `key`, chained, numbered in order.
   */
  static parse(file: string, text: string, key: SignerKey): WitnessRecord {
    const me = formatVerifierKey(key);
    const lines = text.split("\n");
    if (lines.at(-1) !== "") broken(file, "the last record is cut short (no final newline)");
    lines.pop();
    const entries: WitnessEntry[] = [];
    let prev = "";
    for (const [i, line] of lines.entries()) {
      let e: WitnessEntry;
      try {
        e = JSON.parse(line) as WitnessEntry;
      } catch {
        // Not a record at all (bad input, exit 2), as against a record that was tampered with.
        throw new FormatError("WITNESS_RECORD_INVALID", `witness record ${file}: line ${i + 1} is not JSON`);
      }
      if (typeof e !== "object" || e === null)
        throw new FormatError(
          "WITNESS_RECORD_INVALID",
          `witness record ${file}: line ${i + 1} is not a record`,
        );
      if (e.key !== me)
        throw new VerificationError(
          "WITNESS_RECORD_FOREIGN",
          `witness record ${file}: line ${i + 1} belongs to another key (${String(e.key).slice(0, 80)}), not ${key.name}`,
        );
      const { sig, ...rest } = e;
      let ok = false;
      try {
        ok = ed25519Verify(key.publicKey, signable(rest), decodeBase64(String(sig), "signature"));
      } catch {
        ok = false;
      }
      if (!ok) broken(file, `line ${i + 1}'s signature does not verify (edited, or not made by this key)`);
      if (e.seq !== i) broken(file, `line ${i + 1} is numbered ${e.seq} (records removed or reordered)`);
      if (e.prev !== prev)
        broken(file, `line ${i + 1} does not follow the line before it (records removed or replaced)`);
      if (i === 0 && e.event !== "genesis") broken(file, "the first record is not the genesis record");
      prev = toHex(sha256(Buffer.from(line, "utf8")));
      entries.push(e);
    }
    if (entries.length === 0) broken(file, "it is empty");
    return new WitnessRecord(file, key, entries, lines.at(-1)!);
  }

  /** The last checkpoint this witness attested for `origin` (through a cosignature or a fresh start). */
  head(origin: string): WitnessHead | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      if (e.origin === origin && e.event !== "genesis")
        return { origin, size: e.size, root: decodeBase64(e.root, "witness record root"), seq: e.seq };
    }
    return undefined;
  }

  /** Every record, in order. */
  get all(): readonly WitnessEntry[] {
    return this.entries;
  }

  /** Append a record durably (written and fsynced before this returns). */
  append(
    e: {
      readonly event: WitnessEntry["event"];
      readonly origin: string;
      readonly size: number;
      readonly root: string;
      readonly reason?: string;
    },
    flag: "a" | "wx" = "a",
  ): WitnessEntry {
    const body: Omit<WitnessEntry, "sig"> = {
      v: 1,
      seq: this.entries.length,
      event: e.event,
      origin: e.origin,
      size: e.size,
      root: e.root,
      time: new Date().toISOString(),
      prev: this.lastLine === "" ? "" : toHex(sha256(Buffer.from(this.lastLine, "utf8"))),
      ...(e.reason !== undefined ? { reason: e.reason } : {}),
      key: formatVerifierKey(this.key),
    };
    const entry: WitnessEntry = { ...body, sig: encodeBase64(ed25519Sign(this.key.seed, signable(body))) };
    const line = JSON.stringify(entry);
    const fd = fs.openSync(this.file, flag, 0o600);
    try {
      fs.writeSync(fd, `${line}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    this.entries = [...this.entries, entry];
    this.lastLine = line;
    return entry;
  }
}
