/**
 * A witness: cosigns a log's checkpoint (C2SP tlog-cosignature v1) only after verifying that it is
 * consistent with the last checkpoint this witness cosigned, so two witnesses that both cosigned
 * can never have been shown different histories.
 */
import { VerificationError } from "../errors.js";
import { decodeBase64, encodeBase64 } from "../ledger/base64.js";
import { cosignatureLine, openCheckpoint } from "../ledger/checkpoint.js";
import { equalBytes } from "../ledger/crypto.js";
import { ALG_COSIGNATURE_V1, formatVerifierKey, type SignerKey } from "../ledger/keys.js";
import type { Log } from "../ledger/log.js";
import { verifyConsistency } from "../ledger/merkle.js";

/** What a witness remembers of a log: the last checkpoint it cosigned. */
export interface WitnessState {
  readonly origin: string;
  readonly size: number;
  /** base64 root hash. */
  readonly root: string;
}

export interface Cosigned {
  readonly size: number;
  readonly line: string;
  readonly state: WitnessState;
  /** The size the witness checked consistency from (undefined on its first cosignature). */
  readonly checkedFrom: number | undefined;
}

/**
 * Cosign the log's latest checkpoint.
 *
 * @example const { state } = await cosignLatest(log, witnessKey, previousState);
 */
export async function cosignLatest(
  log: Log,
  witness: SignerKey,
  previous: WitnessState | undefined,
  now = Date.now(),
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
  let checkedFrom: number | undefined;
  if (previous !== undefined) {
    if (previous.origin !== checkpoint.origin) {
      throw new VerificationError(
        "KEY_MISMATCH",
        `witness state is for log ${previous.origin}, not ${checkpoint.origin}`,
      );
    }
    const oldRoot = decodeBase64(previous.root, "witness state root");
    if (checkpoint.size < previous.size) {
      throw new VerificationError(
        "PROOF_INVALID",
        `the log shrank: cosigned size ${previous.size} before, now offers ${checkpoint.size}`,
      );
    }
    if (checkpoint.size === previous.size && !equalBytes(oldRoot, checkpoint.root)) {
      throw new VerificationError(
        "ROOT_MISMATCH",
        `the log offers a different root for size ${checkpoint.size} than the one cosigned: a fork`,
      );
    }
    verifyConsistency(
      previous.size,
      checkpoint.size,
      await log.consistencyProof(previous.size, checkpoint.size),
      oldRoot,
      checkpoint.root,
    );
    checkedFrom = previous.size;
  }
  const body = stored.text.slice(0, stored.text.indexOf("\n\n") + 1);
  const line = cosignatureLine(body, witness, Math.floor(now / 1000));
  await log.store.addCosignature(stored.id, formatVerifierKey(witness), line);
  return {
    size: checkpoint.size,
    line,
    checkedFrom,
    state: { origin: checkpoint.origin, size: checkpoint.size, root: encodeBase64(checkpoint.root) },
  };
}
