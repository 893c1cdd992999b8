/**
 * The one module that touches `node:crypto` (sigstore-js keeps all of it in `core/src/crypto.ts`):
 * SHA-256, Ed25519 keys, signing and verification, constant-time comparison, and a small pool of
 * worker threads that signs or verifies batches on every core.
 */
import crypto, { type KeyObject } from "node:crypto";
import os from "node:os";
import { Worker } from "node:worker_threads";

export const HASH_SIZE = 32;
export const ED25519_PUBLIC_KEY_SIZE = 32;
export const ED25519_SEED_SIZE = 32;
export const ED25519_SIGNATURE_SIZE = 64;

// DER prefixes that wrap a raw 32-byte Ed25519 key as SPKI / PKCS#8 (RFC 8410 §4, §7).
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = crypto.createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest().buffer, 0, HASH_SIZE);
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

// ---------------------------------------------------------------------------------------------
// Worker pool. Ed25519 dominates the cost of appending and verifying (measured: ~26k signs/s and
// ~9.5k verifies/s per core against ~800k SHA-256/s), so both are spread over every core.
// The worker source is inline so it runs the same from TypeScript sources and from dist/.
// ---------------------------------------------------------------------------------------------

const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const crypto = require("node:crypto");
const SPKI = Buffer.from("302a300506032b6570032100", "hex");
const PKCS8 = Buffer.from("302e020100300506032b657004220420", "hex");
const keys = new Map();
function key(raw, priv) {
  const id = (priv ? "s" : "p") + Buffer.from(raw).toString("base64");
  let k = keys.get(id);
  if (!k) {
    if (keys.size > 10000) keys.clear();
    k = priv
      ? crypto.createPrivateKey({ key: Buffer.concat([PKCS8, raw]), format: "der", type: "pkcs8" })
      : crypto.createPublicKey({ key: Buffer.concat([SPKI, raw]), format: "der", type: "spki" });
    keys.set(id, k);
  }
  return k;
}
parentPort.on("message", (job) => {
  const { id, op, keysBuf, msgBuf, offsets, sigBuf, count } = job;
  const kb = Buffer.from(keysBuf), mb = Buffer.from(msgBuf), sb = sigBuf ? Buffer.from(sigBuf) : null;
  if (op === "sign") {
    const out = Buffer.alloc(count * 64);
    for (let i = 0; i < count; i++) {
      const msg = mb.subarray(offsets[i], offsets[i + 1]);
      crypto.sign(null, msg, key(kb.subarray(i * 32, i * 32 + 32), true)).copy(out, i * 64);
    }
    parentPort.postMessage({ id, out: out.buffer }, [out.buffer]);
  } else {
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const msg = mb.subarray(offsets[i], offsets[i + 1]);
      try {
        out[i] = crypto.verify(null, msg, key(kb.subarray(i * 32, i * 32 + 32), false), sb.subarray(i * 64, i * 64 + 64)) ? 1 : 0;
      } catch { out[i] = 0; }
    }
    parentPort.postMessage({ id, out: out.buffer }, [out.buffer]);
  }
});
`;

/** One Ed25519 operation in a batch: the key (seed to sign, public key to verify), the message, the signature. */
export interface SignJob {
  readonly seed: Uint8Array;
  readonly message: Uint8Array;
}
export interface VerifyJob {
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

interface Pending {
  resolve(out: ArrayBuffer): void;
  reject(err: unknown): void;
}

/**
 * Signs and verifies batches of Ed25519 operations on worker threads, one per core by default.
 * Small batches run inline: below ~64 operations the message passing costs more than it saves.
 *
 * @example
 * const pool = new CryptoPool();
 * const ok = await pool.verify([{ publicKey, message, signature }]);
 * await pool.close();
 */
export class CryptoPool {
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private rr = 0;
  static readonly INLINE_BELOW = 64;

  constructor(size: number = os.availableParallelism()) {
    this.size = Math.max(1, size);
  }

  private worker(): Worker {
    if (this.workers.length < this.size) {
      const w = new Worker(WORKER_SOURCE, { eval: true });
      w.unref();
      w.on("message", (m: { id: number; out: ArrayBuffer }) => {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        p?.resolve(m.out);
      });
      w.on("error", (err) => {
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
      this.workers.push(w);
      return w;
    }
    const w = this.workers[this.rr++ % this.workers.length];
    if (w === undefined) throw new Error("worker pool is empty");
    return w;
  }

  private run(op: "sign" | "verify", keys: Uint8Array[], messages: Uint8Array[], sigs?: Uint8Array[]) {
    const count = keys.length;
    const keysBuf = new Uint8Array(count * 32);
    const offsets = new Uint32Array(count + 1);
    let total = 0;
    for (let i = 0; i < count; i++) {
      keysBuf.set(keys[i]!, i * 32);
      offsets[i] = total;
      total += messages[i]!.length;
    }
    offsets[count] = total;
    const msgBuf = new Uint8Array(total);
    for (let i = 0; i < count; i++) msgBuf.set(messages[i]!, offsets[i]!);
    let sigBuf: Uint8Array | undefined;
    if (sigs) {
      sigBuf = new Uint8Array(count * 64);
      for (let i = 0; i < count; i++) if (sigs[i]!.length === 64) sigBuf.set(sigs[i]!, i * 64);
    }
    const id = this.nextId++;
    const w = this.worker();
    return new Promise<ArrayBuffer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const transfer = [keysBuf.buffer, msgBuf.buffer, ...(sigBuf ? [sigBuf.buffer] : [])] as ArrayBuffer[];
      w.postMessage(
        { id, op, keysBuf: keysBuf.buffer, msgBuf: msgBuf.buffer, offsets, sigBuf: sigBuf?.buffer, count },
        transfer,
      );
    });
  }

  private chunks<T>(jobs: readonly T[]): T[][] {
    const per = Math.max(CryptoPool.INLINE_BELOW, Math.ceil(jobs.length / this.size));
    const out: T[][] = [];
    for (let i = 0; i < jobs.length; i += per) out.push(jobs.slice(i, i + per));
    return out;
  }

  /** Signatures for every job, in order. */
  async sign(jobs: readonly SignJob[]): Promise<Uint8Array[]> {
    if (jobs.length < CryptoPool.INLINE_BELOW) return jobs.map((j) => ed25519Sign(j.seed, j.message));
    const parts = await Promise.all(
      this.chunks(jobs).map(async (c) => {
        const out = new Uint8Array(
          await this.run(
            "sign",
            c.map((j) => j.seed),
            c.map((j) => j.message),
          ),
        );
        return c.map((_, i) => out.subarray(i * 64, i * 64 + 64));
      }),
    );
    return parts.flat();
  }

  /** Whether each job's signature verifies, in order. Malformed keys or signatures verify as false. */
  async verify(jobs: readonly VerifyJob[]): Promise<boolean[]> {
    const valid = (j: VerifyJob) =>
      j.publicKey.length === ED25519_PUBLIC_KEY_SIZE && j.signature.length === ED25519_SIGNATURE_SIZE;
    if (jobs.length < CryptoPool.INLINE_BELOW) {
      return jobs.map((j) => valid(j) && ed25519Verify(j.publicKey, j.message, j.signature));
    }
    const parts = await Promise.all(
      this.chunks(jobs).map(async (c) => {
        const out = new Uint8Array(
          await this.run(
            "verify",
            c.map((j) => (valid(j) ? j.publicKey : new Uint8Array(32))),
            c.map((j) => j.message),
            c.map((j) => j.signature),
          ),
        );
        return c.map((j, i) => valid(j) && out[i] === 1);
      }),
    );
    return parts.flat();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
