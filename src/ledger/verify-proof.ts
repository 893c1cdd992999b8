/**
 * Offline verification of proof files: needs only the file and the log's public key (and, to
 * require witnesses, theirs). Nothing is read from a ledger.
 */
import { VerificationError } from "../errors.js";
import { openCheckpoint, verifyCosignature } from "./checkpoint.js";
import { openEntry, verifyEntrySignature } from "./entry.js";
import { formatVerifierKey, type VerifierKey } from "./keys.js";
import { leafHash, verifyConsistency, verifyInclusion } from "./merkle.js";
import type { Statement } from "./statement.js";
import { parseConsistencyProof, parseTlogProof, proofFileKind } from "./tlog-proof.js";

export interface ProofCheckOptions {
  readonly logKey: VerifierKey;
  readonly witnesses?: readonly VerifierKey[];
  /** How many of `witnesses` must have cosigned; defaults to all of them. */
  readonly minWitnesses?: number;
}

export type ProofCheck =
  | {
      readonly kind: "inclusion";
      readonly origin: string;
      readonly index: number;
      readonly size: number;
      readonly entry: { readonly statement: Statement; readonly signer: string } | undefined;
      readonly witnesses: readonly string[];
    }
  | {
      readonly kind: "consistency";
      readonly origin: string;
      readonly oldSize: number;
      readonly size: number;
      readonly witnesses: readonly string[];
    };

function checkWitnesses(
  note: ReturnType<typeof openCheckpoint>["note"],
  options: ProofCheckOptions,
): string[] {
  const wanted = options.witnesses ?? [];
  const signed = wanted.filter((w) => verifyCosignature(note, w) !== undefined).map((w) => w.name);
  const need = options.minWitnesses ?? wanted.length;
  if (signed.length < need) {
    throw new VerificationError(
      "SIGNATURE_INVALID",
      `the checkpoint carries ${signed.length} valid cosignatures from the given witnesses; ${need} required`,
    );
  }
  return signed;
}

/**
 * Verify an inclusion (tlog-proof) or consistency proof file. Throws FormatError or VerificationError.
 *
 * @example verifyProofFile(fs.readFileSync("e7.tlog-proof", "utf8"), { logKey })
 */
export function verifyProofFile(text: string, options: ProofCheckOptions): ProofCheck {
  if (proofFileKind(text) === "inclusion") {
    const p = parseTlogProof(text);
    const cp = openCheckpoint(p.checkpoint, options.logKey);
    if (p.extra === undefined)
      throw new VerificationError(
        "PROOF_INVALID",
        "the proof file carries no entry (extra line) to check inclusion of",
      );
    const entry = openEntry(p.extra);
    if (!verifyEntrySignature(entry))
      throw new VerificationError("SIGNATURE_INVALID", "the entry's own signature does not verify");
    verifyInclusion(p.index, cp.checkpoint.size, leafHash(p.extra), p.proof, cp.checkpoint.root);
    return {
      kind: "inclusion",
      origin: cp.checkpoint.origin,
      index: p.index,
      size: cp.checkpoint.size,
      entry: { statement: entry.statement, signer: formatVerifierKey(entry.signer) },
      witnesses: checkWitnesses(cp.note, options),
    };
  }
  const p = parseConsistencyProof(text);
  const old = openCheckpoint(p.oldCheckpoint, options.logKey);
  const cur = openCheckpoint(p.newCheckpoint, options.logKey, old.checkpoint.origin);
  verifyConsistency(
    old.checkpoint.size,
    cur.checkpoint.size,
    p.proof,
    old.checkpoint.root,
    cur.checkpoint.root,
  );
  return {
    kind: "consistency",
    origin: cur.checkpoint.origin,
    oldSize: old.checkpoint.size,
    size: cur.checkpoint.size,
    witnesses: checkWitnesses(cur.note, options),
  };
}
