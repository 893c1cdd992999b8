/**
 * Sigstore bundle v0.3 (sigstore/protobuf-specs `protos/sigstore_bundle.proto`, in its protojson
 * form) for one ledger entry: the entry's DSSE envelope as the bundle's content, the signer's key as
 * the public key hint, and one transparency log entry with the RFC 6962 inclusion proof against a
 * checkpoint the log signed (a C2SP signed note, the same shape Rekor v2's checkpoints have).
 *
 * What carries over from Sigstore, and what does not, is in docs/interop.md. In short: the log is
 * optprov's own, not Rekor, so its `canonicalizedBody` is the leaf itself (the envelope bytes as
 * the log stores them, hashed as RFC 6962 leaf data), `kindVersion` names that kind
 * (`optprov-entry` 1), and there is no Fulcio certificate: the key hint is the signer's C2SP
 * verifier key, which a verifier must bind to the actor itself (the ledger's actor entry, or a
 * pinned key).
 *
 * `verifySigstoreBundle` checks such a bundle offline with the log's key, through the same proof
 * check as `optprov verify-proof` (`ledger/verify-proof.ts`), after checking that the bundle's
 * parts agree with each other.
 */
import type { ControlState } from "../control/state.js";
import { FormatError, VerificationError } from "../errors.js";
import { decodeBase64, encodeBase64, preview } from "../ledger/base64.js";
import { openCheckpoint } from "../ledger/checkpoint.js";
import { equalBytes, sha256 } from "../ledger/crypto.js";
import { parseEnvelope } from "../ledger/dsse.js";
import type { VerifierKey } from "../ledger/keys.js";
import { checkpointWithCosignatures, type Log } from "../ledger/log.js";
import { formatTlogProof } from "../ledger/tlog-proof.js";
import { type ProofCheck, verifyProofFile } from "../ledger/verify-proof.js";

export const SIGSTORE_BUNDLE_V03 = "application/vnd.dev.sigstore.bundle.v0.3+json";
/** The log entry kind: the leaf is an optprov entry, a DSSE envelope over an in-toto statement. */
export const OPTPROV_ENTRY_KIND = { kind: "optprov-entry", version: "1" } as const;

export interface SigstoreBundle {
  readonly mediaType: typeof SIGSTORE_BUNDLE_V03;
  readonly verificationMaterial: {
    readonly publicKey: { readonly hint: string };
    readonly tlogEntries: readonly [SigstoreTlogEntry];
  };
  readonly dsseEnvelope: {
    readonly payload: string;
    readonly payloadType: string;
    readonly signatures: readonly [{ readonly sig: string; readonly keyid: string }];
  };
}

export interface SigstoreTlogEntry {
  /** int64 fields are decimal strings in protojson. */
  readonly logIndex: string;
  readonly logId: { readonly keyId: string };
  readonly kindVersion: typeof OPTPROV_ENTRY_KIND;
  readonly inclusionProof: {
    readonly logIndex: string;
    readonly rootHash: string;
    readonly treeSize: string;
    readonly hashes: readonly string[];
    readonly checkpoint: { readonly envelope: string };
  };
  readonly canonicalizedBody: string;
}

/**
 * The log id: SHA-256 over the log key's C2SP key-id input (name, newline, type byte, public key).
 * Its first four bytes are the key hint on the checkpoint's signature line, which is how Sigstore
 * clients match a checkpoint signature to a log (they compare the hint with the log id's prefix).
 */
export function logIdFor(key: VerifierKey): Uint8Array {
  return sha256(Buffer.from(`${key.name}\n`, "utf8"), new Uint8Array([key.type]), key.publicKey);
}

/**
 * The bundle for entry `index`, against the latest checkpoint that covers it.
 * Throws VerificationError INDEX_OUT_OF_RANGE past the log's end, CHECKPOINT_MISSING when no
 * checkpoint covers the entry yet (`optprov checkpoint` signs one).
 *
 * @example const bundle = await toSigstoreBundle((await readLedger(store)).log, 3);
 */
export async function toSigstoreBundle(
  log: Log<ControlState> | Log<unknown>,
  index: number,
): Promise<SigstoreBundle> {
  if (!Number.isSafeInteger(index) || index < 0 || index >= log.size)
    throw new VerificationError(
      "INDEX_OUT_OF_RANGE",
      `entry expected 0..${log.size - 1} (the log's entries), got ${index}`,
    );
  const cp = await log.store.latestCheckpoint();
  if (cp === undefined || cp.size <= index)
    throw new VerificationError(
      "CHECKPOINT_MISSING",
      `a checkpoint covering entry ${index} expected (size > ${index}), got ${cp === undefined ? "none" : `the latest at size ${cp.size}`}; sign one with optprov checkpoint`,
    );
  const { checkpoint } = openCheckpoint(cp.text, log.logVerifier, log.origin);
  const entry = await log.store.entry(index);
  if (entry === undefined)
    throw new VerificationError("INDEX_OUT_OF_RANGE", `entry ${index} expected in the store, got none`);
  const envelope = parseEnvelope(entry.envelope);
  const [signature] = envelope.signatures;
  if (envelope.signatures.length !== 1 || signature === undefined)
    throw new FormatError(
      "ENVELOPE_INVALID",
      `entry ${index}: expected one signature, got ${envelope.signatures.length}`,
    );
  const proof = await log.inclusionProof(index, cp.size);
  return {
    mediaType: SIGSTORE_BUNDLE_V03,
    verificationMaterial: {
      publicKey: { hint: signature.keyid },
      tlogEntries: [
        {
          logIndex: String(index),
          logId: { keyId: encodeBase64(logIdFor(log.logVerifier)) },
          kindVersion: OPTPROV_ENTRY_KIND,
          inclusionProof: {
            logIndex: String(index),
            rootHash: encodeBase64(checkpoint.root),
            treeSize: String(cp.size),
            hashes: proof.map(encodeBase64),
            checkpoint: { envelope: checkpointWithCosignatures(cp) },
          },
          canonicalizedBody: encodeBase64(entry.envelope),
        },
      ],
    },
    dsseEnvelope: {
      payload: encodeBase64(envelope.payload),
      payloadType: envelope.payloadType,
      signatures: [{ sig: encodeBase64(signature.sig), keyid: signature.keyid }],
    },
  };
}

/** Largest bundle JSON value read field by field: an entry is at most 1 MiB, its proof a few KiB. */
const MAX_STRING = 4 << 20;

function bad(path: string, expected: string, got: unknown): never {
  const shown =
    typeof got === "string"
      ? preview(got)
      : got === null
        ? "null"
        : Array.isArray(got)
          ? "an array"
          : typeof got;
  throw new FormatError("BUNDLE_INVALID", `Sigstore bundle ${path}: expected ${expected}, got ${shown}`);
}

function field(o: unknown, path: string, key: string): unknown {
  if (typeof o !== "object" || o === null || Array.isArray(o)) bad(path, "an object", o);
  return Object.hasOwn(o, key) ? (o as Record<string, unknown>)[key] : undefined;
}

function str(o: unknown, path: string, key: string): string {
  const v = field(o, path, key);
  if (typeof v !== "string" || v.length > MAX_STRING) bad(`${path}.${key}`, "a string", v);
  return v;
}

function decimal(o: unknown, path: string, key: string): number {
  const v = str(o, path, key);
  // Bounded to what a JS number holds exactly; an attacker-chosen index must not round.
  if (!/^(0|[1-9][0-9]{0,15})$/.test(v) || !Number.isSafeInteger(Number(v)))
    bad(`${path}.${key}`, "a decimal integer string", v);
  return Number(v);
}

function bytes(o: unknown, path: string, key: string): Uint8Array {
  return decodeBase64(str(o, path, key), `Sigstore bundle ${path}.${key}`);
}

export interface BundleCheck {
  /** What `verifyProofFile` found: the entry, its statement and signer, the checkpoint's origin and size. */
  readonly proof: Extract<ProofCheck, { kind: "inclusion" }>;
  /** The signer's C2SP verifier key from the hint; bind it to an actor before trusting the statement. */
  readonly signer: string;
}

/**
 * Verify a bundle `toSigstoreBundle` made, offline, with the log's verifier key: the parts agree (the
 * envelope is the logged body, the key hint is the envelope's key id, the proof's root and size are
 * the checkpoint's), the checkpoint is signed by the log key, the DSSE signature verifies over its
 * PAE with the hinted Ed25519 key, and the RFC 6962 proof leads from the body's leaf hash to the
 * checkpoint's root. Throws FormatError (BUNDLE_INVALID, ...) or VerificationError.
 *
 * @example const { proof } = verifySigstoreBundle(JSON.parse(text), { logKey });
 */
export function verifySigstoreBundle(
  bundle: unknown,
  options: { readonly logKey: VerifierKey },
): BundleCheck {
  const mediaType = str(bundle, "", "mediaType");
  if (mediaType !== SIGSTORE_BUNDLE_V03) bad(".mediaType", SIGSTORE_BUNDLE_V03, mediaType);
  const material = field(bundle, "", "verificationMaterial");
  const hint = str(
    field(material, ".verificationMaterial", "publicKey"),
    ".verificationMaterial.publicKey",
    "hint",
  );
  const entries = field(material, ".verificationMaterial", "tlogEntries");
  if (!Array.isArray(entries) || entries.length !== 1)
    bad(".verificationMaterial.tlogEntries", "one entry", entries);
  const tlog = entries[0] as unknown;
  const at = ".verificationMaterial.tlogEntries[0]";
  const kind = field(tlog, at, "kindVersion");
  if (
    str(kind, `${at}.kindVersion`, "kind") !== OPTPROV_ENTRY_KIND.kind ||
    str(kind, `${at}.kindVersion`, "version") !== OPTPROV_ENTRY_KIND.version
  )
    bad(
      `${at}.kindVersion`,
      `${OPTPROV_ENTRY_KIND.kind} ${OPTPROV_ENTRY_KIND.version}`,
      JSON.stringify(kind),
    );
  const logId = bytes(field(tlog, at, "logId"), `${at}.logId`, "keyId");
  if (!equalBytes(logId, logIdFor(options.logKey)))
    throw new VerificationError(
      "KEY_MISMATCH",
      `${at}.logId: expected the id of log key ${options.logKey.name}, got another`,
    );
  const index = decimal(tlog, at, "logIndex");
  const ip = field(tlog, at, "inclusionProof");
  const ipAt = `${at}.inclusionProof`;
  const body = bytes(tlog, at, "canonicalizedBody");
  if (decimal(ip, ipAt, "logIndex") !== index)
    bad(`${ipAt}.logIndex`, `the entry's logIndex ${index}`, str(ip, ipAt, "logIndex"));
  const rootHash = bytes(ip, ipAt, "rootHash");
  const treeSize = decimal(ip, ipAt, "treeSize");
  const hashesValue = field(ip, ipAt, "hashes");
  // 64 hashes cover any tree a 64-bit size can describe (as the tlog-proof parser bounds it).
  if (!Array.isArray(hashesValue) || hashesValue.length > 64)
    bad(`${ipAt}.hashes`, "at most 64 hashes", hashesValue);
  const hashes = hashesValue.map((h: unknown, i: number) => {
    if (typeof h !== "string") bad(`${ipAt}.hashes[${i}]`, "a base64 string", h);
    return decodeBase64(h, `Sigstore bundle ${ipAt}.hashes[${i}]`);
  });
  const note = str(field(ip, ipAt, "checkpoint"), `${ipAt}.checkpoint`, "envelope");
  const { checkpoint } = openCheckpoint(note, options.logKey);
  if (checkpoint.size !== treeSize || !equalBytes(checkpoint.root, rootHash))
    throw new VerificationError(
      "ROOT_MISMATCH",
      `${ipAt}: expected the checkpoint's size ${checkpoint.size} and root, got size ${treeSize} and another root`,
    );
  // The content must be the logged body: the signature checked below is over the body's PAE.
  const logged = parseEnvelope(body);
  const dsse = field(bundle, "", "dsseEnvelope");
  const sigs = field(dsse, ".dsseEnvelope", "signatures");
  if (!Array.isArray(sigs) || sigs.length !== 1)
    bad(".dsseEnvelope.signatures", "exactly one signature", sigs);
  const sig = sigs[0] as unknown;
  const same =
    str(dsse, ".dsseEnvelope", "payloadType") === logged.payloadType &&
    equalBytes(bytes(dsse, ".dsseEnvelope", "payload"), logged.payload) &&
    equalBytes(bytes(sig, ".dsseEnvelope.signatures[0]", "sig"), logged.signatures[0]!.sig) &&
    str(sig, ".dsseEnvelope.signatures[0]", "keyid") === logged.signatures[0]!.keyid;
  if (!same)
    throw new VerificationError(
      "PROOF_INVALID",
      "dsseEnvelope: expected the envelope the log entry holds (canonicalizedBody), got another",
    );
  // Bundle v0.3: with a key hint and a DSSE envelope, the two hints must be exactly the same.
  if (hint !== logged.signatures[0]!.keyid)
    throw new VerificationError(
      "KEY_MISMATCH",
      `publicKey.hint: expected the envelope's keyid, got ${preview(hint)}`,
    );
  const proof = verifyProofFile(formatTlogProof({ index, proof: hashes, checkpoint: note, extra: body }), {
    logKey: options.logKey,
  });
  if (proof.kind !== "inclusion") throw new VerificationError("PROOF_INVALID", "expected an inclusion proof");
  return { proof, signer: hint };
}
