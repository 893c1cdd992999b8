/**
 * Ed25519 keys in the C2SP signed-note encodings (c2sp.org/signed-note §Verifier keys):
 *   verifier key  `<name>+<hex key ID>+<base64(0x01 || public key)>`
 *   signer key    `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>` (golang.org/x/mod/sumdb/note)
 * The key ID is SHA-256(name || "\n" || type || public key)[:4]; type 0x01 signs notes, 0x04 cosigns
 * checkpoints (c2sp.org/tlog-cosignature), so one key cannot be confused for the other role.
 */
import { FormatError } from "../errors.js";
import { decodeBase64, encodeBase64, preview, toHex } from "./base64.js";
import {
  ED25519_PUBLIC_KEY_SIZE,
  ED25519_SEED_SIZE,
  ed25519PublicKey,
  equalBytes,
  generateEd25519,
  sha256,
} from "./crypto.js";

export const ALG_ED25519 = 0x01;
export const ALG_COSIGNATURE_V1 = 0x04;
export type KeyType = typeof ALG_ED25519 | typeof ALG_COSIGNATURE_V1;

export interface VerifierKey {
  readonly name: string;
  readonly type: KeyType;
  readonly keyId: Uint8Array;
  readonly publicKey: Uint8Array;
}

export interface SignerKey extends VerifierKey {
  readonly seed: Uint8Array;
}

const MAX_NAME = 255;

/** Key names: non-empty, printable, no whitespace and no `+` (signed-note §Verifier keys). */
export function checkKeyName(name: string, what = "key name"): void {
  if (name.length === 0 || name.length > MAX_NAME || !/^[\x21-\x2a\x2c-\x7e\u00a0-\uffff]+$/u.test(name)) {
    throw new FormatError(
      "KEY_INVALID",
      `${what}: expected 1..${MAX_NAME} printable characters without spaces or '+', got ${preview(name)}`,
    );
  }
}

export function keyIdFor(name: string, type: KeyType, publicKey: Uint8Array): Uint8Array {
  return sha256(Buffer.from(`${name}\n`, "utf8"), new Uint8Array([type]), publicKey).slice(0, 4);
}

/**
 * A new Ed25519 signer key.
 *
 * @example const key = generateSignerKey("alice"); formatVerifierKey(key) // "alice+1a2b3c4d+AQ..."
 */
export function generateSignerKey(name: string, type: KeyType = ALG_ED25519): SignerKey {
  checkKeyName(name);
  const { seed, publicKey } = generateEd25519();
  return { name, type, seed, publicKey, keyId: keyIdFor(name, type, publicKey) };
}

export function signerFromSeed(name: string, seed: Uint8Array, type: KeyType = ALG_ED25519): SignerKey {
  checkKeyName(name);
  if (seed.length !== ED25519_SEED_SIZE)
    throw new FormatError("KEY_INVALID", `seed expected 32 bytes, got ${seed.length}`);
  const publicKey = ed25519PublicKey(seed);
  return { name, type, seed, publicKey, keyId: keyIdFor(name, type, publicKey) };
}

const formatted = new WeakMap<VerifierKey, string>();

export function formatVerifierKey(key: VerifierKey): string {
  let text = formatted.get(key);
  if (text === undefined) {
    text = `${key.name}+${toHex(key.keyId)}+${encodeBase64(new Uint8Array([key.type, ...key.publicKey]))}`;
    formatted.set(key, text);
  }
  return text;
}

export function formatSignerKey(key: SignerKey): string {
  return `PRIVATE+KEY+${key.name}+${toHex(key.keyId)}+${encodeBase64(new Uint8Array([key.type, ...key.seed]))}`;
}

function splitKey(text: string, parts: number, what: string, secret = false): string[] {
  // Split on the first `parts - 1` plus signs only: base64 may itself contain '+'.
  const out: string[] = [];
  let rest = text;
  for (let i = 0; i < parts - 1; i++) {
    const at = rest.indexOf("+");
    if (at < 0)
      throw new FormatError(
        "KEY_INVALID",
        // Never echo a private key into an error message or a log.
        `${what}: expected ${parts} '+'-separated fields, got ${secret ? `${text.length} characters` : preview(text)}`,
      );
    out.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  out.push(rest);
  return out;
}

function decodeKeyMaterial(
  name: string,
  hexId: string,
  b64: string,
  size: number,
  what: string,
  secret = false,
) {
  checkKeyName(name, `${what} name`);
  if (!/^[0-9a-f]{8}$/.test(hexId))
    throw new FormatError(
      "KEY_INVALID",
      `${what}: key ID expected 8 lowercase hex digits, got ${preview(hexId)}`,
    );
  let raw: Uint8Array;
  try {
    raw = decodeBase64(b64, `${what} material`);
  } catch (err) {
    if (!secret) throw err;
    throw new FormatError("KEY_INVALID", `${what}: key material is not valid base64`);
  }
  const type = raw[0];
  if (raw.length !== size + 1 || (type !== ALG_ED25519 && type !== ALG_COSIGNATURE_V1)) {
    throw new FormatError(
      "KEY_INVALID",
      `${what}: expected type 0x01 or 0x04 and ${size} key bytes, got ${raw.length} bytes of type ${type}`,
    );
  }
  return { type: type as KeyType, material: raw.slice(1), hexId };
}

// Verifying a ledger parses the same few keys millions of times; a small cache of parsed keys
// (keyed by the exact text, so only canonical, already-validated texts hit) saves a SHA-256 each.
const parsedKeys = new Map<string, VerifierKey>();

/** Parse `<name>+<hex id>+<base64>`; the key ID must match the name and key. */
export function parseVerifierKey(text: string): VerifierKey {
  const hit = parsedKeys.get(text);
  if (hit !== undefined) return hit;
  const key = parseVerifierKeyUncached(text);
  if (parsedKeys.size >= 4096) parsedKeys.clear();
  parsedKeys.set(text, key);
  return key;
}

function parseVerifierKeyUncached(text: string): VerifierKey {
  const [name = "", hexId = "", b64 = ""] = splitKey(text.trim(), 3, "verifier key");
  const { type, material } = decodeKeyMaterial(name, hexId, b64, ED25519_PUBLIC_KEY_SIZE, "verifier key");
  const keyId = keyIdFor(name, type, material);
  if (toHex(keyId) !== hexId)
    throw new FormatError(
      "KEY_INVALID",
      `verifier key: key ID ${hexId} does not match name and key (expected ${toHex(keyId)})`,
    );
  return { name, type, keyId, publicKey: material };
}

/** Parse `PRIVATE+KEY+<name>+<hex id>+<base64>`; the key ID must match the derived public key. */
export function parseSignerKey(text: string): SignerKey {
  const [p1, p2, name = "", hexId = "", b64 = ""] = splitKey(text.trim(), 5, "signer key", true);
  if (p1 !== "PRIVATE" || p2 !== "KEY")
    throw new FormatError("KEY_INVALID", "signer key: expected to start with PRIVATE+KEY+");
  const { type, material } = decodeKeyMaterial(name, hexId, b64, ED25519_SEED_SIZE, "signer key", true);
  const key = signerFromSeed(name, material, type);
  if (toHex(key.keyId) !== hexId)
    throw new FormatError("KEY_INVALID", `signer key: key ID ${hexId} does not match the key`);
  return key;
}

export function sameKey(a: VerifierKey, b: VerifierKey): boolean {
  return a.name === b.name && a.type === b.type && equalBytes(a.publicKey, b.publicKey);
}

/** The same key pair, seen in the other role (note signer or checkpoint cosigner). */
export function withType<K extends VerifierKey>(key: K, type: KeyType): K {
  return { ...key, type, keyId: keyIdFor(key.name, type, key.publicKey) };
}
