/**
 * The one module that touches `node:crypto` (sigstore-js keeps all of it in `core/src/crypto.ts`):
 * SHA-256, Ed25519 keys, signing and verification, and constant-time comparison.
 */
import crypto, { type KeyObject } from "node:crypto";

export const HASH_SIZE = 32;
export const ED25519_PUBLIC_KEY_SIZE = 32;
export const ED25519_SEED_SIZE = 32;
export const ED25519_SIGNATURE_SIZE = 64;

// DER prefixes that wrap a raw 32-byte Ed25519 key as SPKI / PKCS#8 (RFC 8410 §4, §7).
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/** SHA-256 of the concatenation of `parts` (one-shot `crypto.hash`: measured ~40% faster than createHash). */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const input = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  const out = crypto.hash("sha256", input as Buffer, "buffer") as unknown as Buffer;
  return new Uint8Array(out.buffer, out.byteOffset, HASH_SIZE);
}

/** Constant-time equality, so that comparing an attacker's digest to ours leaks nothing about where they differ. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

export function randomBytes(n: number): Uint8Array {
  return new Uint8Array(crypto.randomBytes(n));
}

/** An Ed25519 key pair as raw bytes: the 32-byte seed (RFC 8032 private key) and the 32-byte public key. */
export interface Ed25519KeyPair {
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
}

export function generateEd25519(): Ed25519KeyPair {
  const seed = randomBytes(ED25519_SEED_SIZE);
  return { seed, publicKey: ed25519PublicKey(seed) };
}

export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  const spki = crypto.createPublicKey(privateKeyObject(seed)).export({ format: "der", type: "spki" });
  return new Uint8Array(spki.subarray(SPKI_PREFIX.length));
}

const privateCache = new Map<string, KeyObject>();
const publicCache = new Map<string, KeyObject>();
const CACHE_LIMIT = 10_000;

function cached(cache: Map<string, KeyObject>, raw: Uint8Array, make: () => KeyObject): KeyObject {
  const id = Buffer.from(raw).toString("base64");
  let key = cache.get(id);
  if (key === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    key = make();
    cache.set(id, key);
  }
  return key;
}

function privateKeyObject(seed: Uint8Array): KeyObject {
  return cached(privateCache, seed, () =>
    crypto.createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" }),
  );
}

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  return cached(publicCache, publicKey, () =>
    crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: "der", type: "spki" }),
  );
}

export function ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(crypto.sign(null, message, privateKeyObject(seed)));
}

export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_SIZE || signature.length !== ED25519_SIGNATURE_SIZE)
    return false;
  try {
    return crypto.verify(null, message, publicKeyObject(publicKey), signature);
  } catch {
    // A public key that is not a valid curve point is a failed verification, not a crash.
    return false;
  }
}

/**
 * Verify an ECDSA P-256 / SHA-256 signature in IEEE P1363 (r||s) form, given the public point.
 * Only used to check DSSE envelopes signed by other tools (the published DSSE vector is P-256).
 */
export function ecdsaP256Verify(
  point: { x: bigint; y: bigint },
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const toB64u = (n: bigint) => Buffer.from(n.toString(16).padStart(64, "0"), "hex").toString("base64url");
  try {
    const key = crypto.createPublicKey({
      key: { kty: "EC", crv: "P-256", x: toB64u(point.x), y: toB64u(point.y) },
      format: "jwk",
    });
    return crypto.verify("sha256", message, { key, dsaEncoding: "ieee-p1363" }, signature);
  } catch {
    return false;
  }
}
