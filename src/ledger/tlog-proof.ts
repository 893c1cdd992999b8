/**
 * Offline proof files.
 *
 * Inclusion: C2SP tlog-proof v1 (c2sp.org/tlog-proof). The `extra` line carries the entry's envelope
 * bytes, so the file alone shows what was logged; like the spec says, `extra` is not trusted: the
 * verifier hashes it and checks the inclusion proof against the signed checkpoint.
 *
 *   c2sp.org/tlog-proof@v1
 *   extra <base64 envelope>
 *   index <N>
 *   <base64 hash> ...
 *   <blank line>
 *   <signed checkpoint, with any cosignatures>
 *
 * Consistency: C2SP has no format for it, so we use the same shape with our own header and two
 * checkpoints (old, then new), separated by a blank line:
 *
 *   optprov.dev/consistency-proof@v1
 *   <base64 hash> ...
 *   <blank line>
 *   <old signed checkpoint> <blank line> <new signed checkpoint>
 */
import { FormatError } from "../errors.js";
import { decodeBase64, encodeBase64, preview } from "./base64.js";
import { HASH_SIZE } from "./crypto.js";
import { MAX_NOTE_BYTES } from "./note.js";

export const TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1";
export const CONSISTENCY_PROOF_HEADER = "optprov.dev/consistency-proof@v1";
/** Proofs are O(log n) hashes; 64 covers any tree a 64-bit size can describe. */
const MAX_PROOF_HASHES = 64;
const MAX_FILE_BYTES = 4 * MAX_NOTE_BYTES;

export interface TlogProof {
  readonly index: number;
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint text, verbatim. */
  readonly checkpoint: string;
  readonly extra?: Uint8Array | undefined;
}

export interface ConsistencyProofFile {
  readonly proof: readonly Uint8Array[];
  readonly oldCheckpoint: string;
  readonly newCheckpoint: string;
}

export function formatTlogProof(p: TlogProof): string {
  const lines = [TLOG_PROOF_HEADER];
  if (p.extra !== undefined) lines.push(`extra ${encodeBase64(p.extra)}`);
  lines.push(`index ${p.index}`, ...p.proof.map(encodeBase64), "");
  return `${lines.join("\n")}\n${p.checkpoint}`;
}

export function formatConsistencyProof(p: ConsistencyProofFile): string {
  return `${[CONSISTENCY_PROOF_HEADER, ...p.proof.map(encodeBase64), ""].join("\n")}\n${p.oldCheckpoint}\n${p.newCheckpoint}`;
}

function fail(message: string): never {
  throw new FormatError("PROOF_FILE_INVALID", `proof file: ${message}`);
}

function readHashes(lines: string[], from: number): { hashes: Uint8Array[]; next: number } {
  const hashes: Uint8Array[] = [];
  let i = from;
  while (i < lines.length && lines[i] !== "") {
    if (hashes.length >= MAX_PROOF_HASHES) fail(`expected at most ${MAX_PROOF_HASHES} proof hashes`);
    const h = decodeBase64(lines[i]!, `proof file line ${i + 1}`);
    if (h.length !== HASH_SIZE)
      fail(`line ${i + 1}: expected a ${HASH_SIZE}-byte hash, got ${h.length} bytes`);
    hashes.push(h);
    i++;
  }
  if (i >= lines.length) fail("expected a blank line before the checkpoint");
  return { hashes, next: i + 1 };
}

function checkSize(text: string): void {
  if (text.length > MAX_FILE_BYTES)
    throw new FormatError("INPUT_TOO_LARGE", `proof file: expected at most ${MAX_FILE_BYTES} bytes`);
}

/** Which kind of proof file `text` is, by its first line. */
export function proofFileKind(text: string): "inclusion" | "consistency" {
  const first = text.slice(0, text.indexOf("\n"));
  if (first === TLOG_PROOF_HEADER) return "inclusion";
  if (first === CONSISTENCY_PROOF_HEADER) return "consistency";
  return fail(
    `expected the first line to be ${TLOG_PROOF_HEADER} or ${CONSISTENCY_PROOF_HEADER}, got ${preview(first)}`,
  );
}

/**
 * Parse a tlog-proof file (structure only; the caller verifies the checkpoint and the proof).
 *
 * @example parseTlogProof(fs.readFileSync("entry-7.tlog-proof", "utf8")).index // 7
 */
export function parseTlogProof(text: string): TlogProof {
  checkSize(text);
  const lines = text.split("\n");
  if (lines[0] !== TLOG_PROOF_HEADER)
    fail(`expected first line ${TLOG_PROOF_HEADER}, got ${preview(lines[0] ?? "")}`);
  let i = 1;
  let extra: Uint8Array | undefined;
  if (lines[i]?.startsWith("extra ")) {
    extra = decodeBase64(lines[i]!.slice(6), "proof file extra line");
    i++;
  }
  const m = /^index (0|[1-9][0-9]{0,15})$/.exec(lines[i] ?? "");
  if (!m || !Number.isSafeInteger(Number(m[1])))
    fail(`line ${i + 1}: expected "index <decimal without leading zeros>", got ${preview(lines[i] ?? "")}`);
  const { hashes, next } = readHashes(lines, i + 1);
  const checkpoint = lines.slice(next).join("\n");
  if (checkpoint.length === 0) fail("expected a checkpoint after the proof");
  return { index: Number(m[1]), proof: hashes, checkpoint, extra };
}

export function parseConsistencyProof(text: string): ConsistencyProofFile {
  checkSize(text);
  const lines = text.split("\n");
  if (lines[0] !== CONSISTENCY_PROOF_HEADER)
    fail(`expected first line ${CONSISTENCY_PROOF_HEADER}, got ${preview(lines[0] ?? "")}`);
  const { hashes, next } = readHashes(lines, 1);
  // The old checkpoint ends after its signature lines: the first blank line after a line starting "— ".
  let split = -1;
  for (let j = next + 1; j < lines.length; j++) {
    if (lines[j] === "" && lines[j - 1]?.startsWith("\u2014 ")) {
      split = j;
      break;
    }
  }
  const newCheckpoint = split < 0 ? "" : lines.slice(split + 1).join("\n");
  if (newCheckpoint.trim() === "") fail("expected two signed checkpoints separated by a blank line");
  return { proof: hashes, oldCheckpoint: `${lines.slice(next, split).join("\n")}\n`, newCheckpoint };
}
