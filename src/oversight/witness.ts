/**
 * A witness: cosigns a log's checkpoint (C2SP tlog-cosignature v1) only after verifying that it is
 * consistent with the last checkpoint this witness attested, so two witnesses that both cosigned
 * can never have been shown different histories.
 *
 * What the witness last attested comes from its own signed record (`witness-record.ts`), checked on
 * every use, and is held against the log's evidence: every cosignature by this key the log stores
 * and that verifies is something this witness did sign. A record behind that evidence was rolled
 * back; a record missing while the evidence exists was deleted; either way the witness refuses,
 * unless told to start afresh (`fresh`), which it writes into its record with the reason.
 */
import { VerificationError } from "../errors.js";
import { encodeBase64 } from "../ledger/base64.js";
import { type Checkpoint, cosignatureLine, openCheckpoint, verifyCosignature } from "../ledger/checkpoint.js";
import { equalBytes } from "../ledger/crypto.js";
import { ALG_COSIGNATURE_V1, formatVerifierKey, type SignerKey } from "../ledger/keys.js";
import type { Log } from "../ledger/log.js";
import { type Hash, verifyConsistency } from "../ledger/merkle.js";
import { parseNote } from "../ledger/note.js";
import type { WitnessHead, WitnessRecord } from "./witness-record.js";

export interface Cosigned {
  readonly size: number;
  readonly line: string;
  /** The size the witness checked consistency from (undefined on its first cosignature for this log). */
  readonly checkedFrom: number | undefined;
  /** Set when this cosignature started afresh: the reason recorded. */
  readonly fresh: string | undefined;
}

export interface CosignOptions {
  /** Start afresh, recording this reason: forget the record's head for this log, trust the log's evidence of what this key signed. */
  readonly fresh?: string;
  readonly now?: number;
}

/** The highest checkpoint the log holds a valid cosignature from `witness` on. */
async function provenByLog<S>(log: Log<S>, witness: SignerKey): Promise<WitnessHead | undefined> {
  const me = formatVerifierKey(witness);
  let best: WitnessHead | undefined;
  for (const cp of await log.store.checkpoints()) {
    for (const c of cp.cosignatures) {
      if (c.witness !== me) continue;
      try {
        const { checkpoint } = openCheckpoint(cp.text, log.logVerifier, log.origin);
        if (verifyCosignature(parseNote(cp.text + c.line), witness) === undefined) continue;
        if (best === undefined || checkpoint.size > best.size)
          best = { origin: log.origin, size: checkpoint.size, root: checkpoint.root, seq: -1 };
      } catch {
        // A cosignature that does not verify proves nothing about this witness.
      }
    }
  }
  return best;
}

/**
 * The witness's one decision, wherever the checkpoint comes from (the log's store, or an
 * `add-checkpoint` request): cosign `checkpoint` (whose log signature the caller has verified, its
 * signed note `note`) only if it extends `head`, what this witness last attested for its origin,
 * as `proof` shows (RFC 6962 §2.1.2, from `head.size`). The record is written before the line is
 * returned: should the caller fail to pass the line on, the witness remembers more than it
 * showed (safe), never less.
 *
 * Throws PROOF_INVALID when the log shrank or the proof does not verify, ROOT_MISMATCH for a
 * different root at the same size (a fork).
 *
 * @example const { line } = cosignConsistent(w, record, note, checkpoint, record.head(origin), proof);
 */
export function cosignConsistent(
  witness: SignerKey,
  record: WitnessRecord,
  note: string,
  checkpoint: Checkpoint,
  head: WitnessHead | undefined,
  proof: readonly Hash[],
  now: number = Date.now(),
): { readonly line: string; readonly checkedFrom: number | undefined } {
  let checkedFrom: number | undefined;
  if (head !== undefined && head.size > 0) {
    if (checkpoint.size < head.size) {
      throw new VerificationError(
        "PROOF_INVALID",
        `the log shrank: cosigned size ${head.size} before, now offers ${checkpoint.size}`,
      );
    }
    if (checkpoint.size === head.size && !equalBytes(head.root, checkpoint.root)) {
      throw new VerificationError(
        "ROOT_MISMATCH",
        `the log offers a different root for size ${checkpoint.size} than the one cosigned: a fork`,
      );
    }
    verifyConsistency(head.size, checkpoint.size, proof, head.root, checkpoint.root);
    checkedFrom = head.size;
  }
  const body = note.slice(0, note.indexOf("\n\n") + 1);
  const line = cosignatureLine(body, witness, Math.floor(now / 1000));
  record.append({
    event: "cosign",
    origin: checkpoint.origin,
    size: checkpoint.size,
    root: encodeBase64(checkpoint.root),
  });
  return { line, checkedFrom };
}

/**
 * Cosign the log's latest checkpoint.
 *
 * @example const done = await cosignLatest(log, witnessKey, WitnessRecord.open("w1.key.record", witnessKey));
 */
export async function cosignLatest<S>(
  log: Log<S>,
  witness: SignerKey,
  record: WitnessRecord,
  options: CosignOptions = {},
): Promise<Cosigned> {
  if (witness.type !== ALG_COSIGNATURE_V1) {
    throw new VerificationError(
      "KEY_MISMATCH",
      `witness key ${witness.name} is not a cosigner key (make one with keygen --witness)`,
    );
  }
  const stored = await log.store.latestCheckpoint();
  if (stored === undefined)
    throw new VerificationError("INDEX_OUT_OF_RANGE", "the log has no checkpoint to cosign yet");
  const { checkpoint } = openCheckpoint(stored.text, log.logVerifier, log.origin);
  const evidence = await provenByLog(log, witness);
  let head = record.head(checkpoint.origin);
  if (options.fresh !== undefined) {
    // A fresh start keeps what can still be proven: the log's own evidence of this key's signatures.
    record.append({
      event: "fresh",
      origin: checkpoint.origin,
      size: evidence?.size ?? 0,
      root: evidence ? encodeBase64(evidence.root) : "",
      reason: options.fresh,
    });
    head = evidence;
  } else if (evidence !== undefined) {
    if (head === undefined)
      throw new VerificationError(
        "WITNESS_RECORD_MISSING",
        `the log holds this witness's cosignature at size ${evidence.size}, but its record ${record.file} has nothing for ${checkpoint.origin}: the record was replaced or rolled back; refusing to cosign (start afresh explicitly to go on)`,
      );
    if (evidence.size > head.size)
      throw new VerificationError(
        "WITNESS_RECORD_ROLLED_BACK",
        `the log holds this witness's cosignature at size ${evidence.size}, beyond its record's ${head.size}: the record ${record.file} was rolled back; refusing to cosign`,
      );
  }
  const proof =
    head !== undefined && head.size > 0 && checkpoint.size > head.size
      ? await log.consistencyProof(head.size, checkpoint.size)
      : [];
  const { line, checkedFrom } = cosignConsistent(
    witness,
    record,
    stored.text,
    checkpoint,
    head,
    proof,
    options.now,
  );
  await log.store.addCosignature(stored.id, formatVerifierKey(witness), line);
  return { size: checkpoint.size, line, checkedFrom, fresh: options.fresh };
}
