/**
 * Ledger entries: a DSSE envelope, signed by the entry's actor, over an in-toto statement.
 * The leaf is the envelope exactly as stored; `openEntry` parses those bytes and never re-serialises
 * them before hashing or verifying.
 */
import { FormatError } from "../errors.js";
import { preview, toHex } from "./base64.js";
import { ed25519Sign, ed25519Verify, sha256 } from "./crypto.js";
import { pae, parseEnvelope, serializeEnvelope } from "./dsse.js";
import { formatVerifierKey, parseVerifierKey, type SignerKey, type VerifierKey } from "./keys.js";
import {
  type EntryKind,
  PAYLOAD_TYPE,
  type Predicate,
  parseStatement,
  predicateType,
  STATEMENT_TYPE,
  type Statement,
} from "./statement.js";

export interface OpenedEntry {
  readonly statement: Statement;
  /** The signer's verifier key, taken from the DSSE `keyid` (an unauthenticated hint until bound to the actor). */
  readonly signer: VerifierKey;
  readonly signature: Uint8Array;
  /** The bytes the signature covers. */
  readonly pae: Uint8Array;
}

function subjectName(p: Predicate): string {
  if ("optimizer" in p && p.optimizer !== undefined)
    return typeof p.optimizer === "string" ? p.optimizer : p.optimizer.name;
  if ("name" in p && typeof p.name === "string") return p.name;
  return p.actor;
}

function predicateDigest(predicate: unknown): string {
  return digestOf(JSON.stringify(predicate));
}

function digestOf(json: string): string {
  return toHex(sha256(Buffer.from(json, "utf8")));
}

/** The statement payload for a predicate: what gets signed (through PAE) and stored. */
export function statementPayload<K extends EntryKind>(kind: K, predicate: Predicate<K>): Uint8Array {
  // The predicate is serialised once and spliced in: the same text is hashed for the subject digest.
  const pred = JSON.stringify(predicate);
  const subject = JSON.stringify([
    { name: `${kind}:${subjectName(predicate)}`, digest: { sha256: digestOf(pred) } },
  ]);
  return Buffer.from(
    `{"_type":${JSON.stringify(STATEMENT_TYPE)},"subject":${subject},"predicateType":${JSON.stringify(predicateType(kind))},"predicate":${pred}}`,
    "utf8",
  );
}

export function payloadPae(payload: Uint8Array): Uint8Array {
  return pae(PAYLOAD_TYPE, payload);
}

/** Wrap a payload and its signature into envelope bytes. The keyid is the signer's C2SP verifier key. */
export function assembleEntry(payload: Uint8Array, signer: VerifierKey, signature: Uint8Array): Uint8Array {
  return serializeEnvelope({
    payloadType: PAYLOAD_TYPE,
    payload,
    signatures: [{ keyid: formatVerifierKey(signer), sig: signature }],
  });
}

/**
 * Build and sign an entry.
 *
 * @example const bytes = signEntry("note", { actor: "alice", time: new Date().toISOString(), text: "hi" }, alice);
 */
export function signEntry<K extends EntryKind>(
  kind: K,
  predicate: Predicate<K>,
  signer: SignerKey,
): Uint8Array {
  const payload = statementPayload(kind, predicate);
  return assembleEntry(payload, signer, ed25519Sign(signer.seed, payloadPae(payload)));
}

/** Parse envelope bytes into an entry. Throws FormatError; does not check the signature. */
export function openEntry(bytes: Uint8Array): OpenedEntry {
  const env = parseEnvelope(bytes);
  if (env.payloadType !== PAYLOAD_TYPE) {
    throw new FormatError(
      "ENVELOPE_INVALID",
      `DSSE envelope payloadType: expected ${PAYLOAD_TYPE}, got ${preview(env.payloadType)}`,
    );
  }
  if (env.signatures.length !== 1) {
    throw new FormatError(
      "ENVELOPE_INVALID",
      `DSSE envelope: expected exactly one signature (the actor's), got ${env.signatures.length}`,
    );
  }
  const [sig] = env.signatures;
  let signer: VerifierKey;
  try {
    signer = parseVerifierKey(sig!.keyid);
  } catch (cause) {
    throw new FormatError(
      "ENVELOPE_INVALID",
      `DSSE envelope keyid: expected the signer's verifier key (${(cause as Error).message})`,
      { cause },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(env.payload));
  } catch (cause) {
    throw new FormatError(
      "JSON_INVALID",
      `in-toto statement: expected UTF-8 JSON (${(cause as Error).message})`,
      { cause },
    );
  }
  const statement = parseStatement(value);
  const digest = predicateDigest((value as { predicate: unknown }).predicate);
  if (statement.subject[0]?.digest.sha256 !== digest) {
    throw new FormatError(
      "STATEMENT_INVALID",
      "in-toto statement subject[0].digest.sha256: expected the SHA-256 of the predicate",
    );
  }
  return { statement, signer, signature: sig!.sig, pae: payloadPae(env.payload) };
}

export function verifyEntrySignature(entry: OpenedEntry): boolean {
  return ed25519Verify(entry.signer.publicKey, entry.pae, entry.signature);
}
