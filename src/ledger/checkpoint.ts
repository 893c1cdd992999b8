/**
 * C2SP tlog-checkpoint note bodies and tlog-cosignature v1 witness signatures.
 *
 *   <origin>\n<size>\n<base64 root>\n[<extension line>\n...]
 */
import { FormatError, VerificationError } from "../errors.js";
import { decodeBase64, encodeBase64, preview } from "./base64.js";
import { ed25519Sign, ed25519Verify, HASH_SIZE } from "./crypto.js";
import { ALG_COSIGNATURE_V1, type SignerKey, type VerifierKey } from "./keys.js";
import {
  findSignature,
  formatSignatureLine,
  type Note,
  parseNote,
  signNote,
  verifyNoteSignature,
} from "./note.js";

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
  readonly extensions: readonly string[];
}

export function formatCheckpointBody(cp: Checkpoint): string {
  return [cp.origin, String(cp.size), encodeBase64(cp.root), ...cp.extensions].map((l) => `${l}\n`).join("");
}

/**
 * Parse a checkpoint body (the note text, without signatures).
 *
 * @example parseCheckpointBody("Log\n123\nYmFuYW5hcw==\n").size === 123
 */
export function parseCheckpointBody(text: string): Checkpoint {
  if (!text.endsWith("\n"))
    throw new FormatError("CHECKPOINT_INVALID", "checkpoint: expected the text to end with a newline");
  const lines = text.slice(0, -1).split("\n");
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (origin === undefined || sizeText === undefined || rootText === undefined) {
    throw new FormatError(
      "CHECKPOINT_INVALID",
      `checkpoint: expected at least 3 lines (origin, size, root), got ${lines.length}`,
    );
  }
  if (origin.length === 0)
    throw new FormatError(
      "CHECKPOINT_INVALID",
      "checkpoint origin line: expected non-empty, got an empty line",
    );
  // Decimal without leading zeros (tlog-checkpoint §Note text); bounded to what a JS number holds exactly.
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw new FormatError(
      "CHECKPOINT_INVALID",
      `checkpoint size line: expected a decimal integer without leading zeros, got ${preview(sizeText)}`,
    );
  }
  const root = decodeBase64(rootText, "checkpoint root line");
  if (extensions.some((l) => l.length === 0))
    throw new FormatError("CHECKPOINT_INVALID", "checkpoint extension lines: expected non-empty lines");
  return { origin, size: Number(sizeText), root, extensions };
}

export interface SignedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly note: Note;
  /** The exact note text as signed and stored. */
  readonly text: string;
}

export function signCheckpoint(cp: Checkpoint, logKey: SignerKey): string {
  return signNote(formatCheckpointBody(cp), logKey);
}

/**
 * Parse a signed checkpoint and verify the log's signature on it.
 * Throws FormatError for malformed text and VerificationError for a bad or missing signature.
 */
export function openCheckpoint(text: string, logKey: VerifierKey, origin?: string): SignedCheckpoint {
  const note = parseNote(text);
  const checkpoint = parseCheckpointBody(note.text);
  if (checkpoint.root.length !== HASH_SIZE) {
    throw new FormatError(
      "CHECKPOINT_INVALID",
      `checkpoint root: expected ${HASH_SIZE} bytes, got ${checkpoint.root.length}`,
    );
  }
  if (origin !== undefined && checkpoint.origin !== origin) {
    throw new VerificationError(
      "KEY_MISMATCH",
      `checkpoint origin expected ${preview(origin)}, got ${preview(checkpoint.origin)}`,
    );
  }
  if (!verifyNoteSignature(note, logKey)) {
    throw new VerificationError(
      "SIGNATURE_INVALID",
      `checkpoint: no valid signature by log key ${logKey.name}`,
    );
  }
  return { checkpoint, note, text };
}

function cosignedMessage(body: string, timestamp: bigint): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${timestamp}\n${body}`, "utf8");
}

/**
 * A tlog-cosignature v1 line by `witness` over a checkpoint's body at `timestamp` (seconds).
 * The witness must first have checked consistency with the last checkpoint it cosigned.
 */
export function cosignatureLine(body: string, witness: SignerKey, timestamp: number): string {
  if (witness.type !== ALG_COSIGNATURE_V1)
    throw new FormatError("KEY_INVALID", "cosigner key: expected type 0x04 (tlog-cosignature v1)");
  const ts = BigInt(Math.floor(timestamp));
  const sig = ed25519Sign(witness.seed, cosignedMessage(body, ts));
  const tsBytes = Buffer.alloc(8);
  tsBytes.writeBigUInt64BE(ts);
  return formatSignatureLine(witness.name, witness.keyId, new Uint8Array([...tsBytes, ...sig]));
}

/** The verified timestamp of `witness`'s cosignature on `note`, or undefined if absent or invalid. */
export function verifyCosignature(note: Note, witness: VerifierKey): number | undefined {
  if (witness.type !== ALG_COSIGNATURE_V1) return undefined;
  const sig = findSignature(note, witness);
  if (sig === undefined || sig.signature.length !== 72) return undefined;
  const ts = Buffer.from(sig.signature.slice(0, 8)).readBigUInt64BE();
  if (ts > 2n ** 63n - 1n) return undefined;
  return ed25519Verify(witness.publicKey, cosignedMessage(note.text, ts), sig.signature.slice(8))
    ? Number(ts)
    : undefined;
}
