/**
 * Worker threads, one per core by default, that sign entries and open envelopes for admission.
 * Ed25519 dominates appending and verifying (measured: ~27k signs/s and ~9k verifies/s per core,
 * against ~700k SHA-256/s), so that work leaves the main thread, which only hashes and writes.
 */
import { createRequire } from "node:module";
import os from "node:os";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { type OpenResult, openForAdmission } from "./admission.js";
import { ed25519Sign } from "./crypto.js";
import type { WorkerJob } from "./entry-worker.js";

export interface SignJob {
  readonly seed: Uint8Array;
  readonly message: Uint8Array;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/**
 * A worker only parses and verifies: a small young generation keeps its garbage (parsed JSON)
 * from piling up before a scavenge, which keeps a million-entry `verify` under 300 MB of RSS.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 256 };

/** Start the worker from dist/ (JavaScript), or through tsx when running from TypeScript sources. */
function startWorker(): Worker {
  const fromSource = import.meta.url.endsWith(".ts");
  if (!fromSource)
    return new Worker(new URL("./entry-worker.js", import.meta.url), { resourceLimits: WORKER_LIMITS });
  const tsx = pathToFileURL(
    createRequire(import.meta.url)
      .resolve("tsx/esm/api")
      .replace(/\.cjs$/, ".mjs"),
  ).href;
  const entry = new URL("./entry-worker.ts", import.meta.url).href;
  return new Worker(
    `(async () => { (await import(${JSON.stringify(tsx)})).register(); await import(${JSON.stringify(entry)}); })();`,
    { eval: true, resourceLimits: WORKER_LIMITS },
  );
}

function pack(items: readonly Uint8Array[]): { data: Uint8Array; offsets: Uint32Array } {
  const offsets = new Uint32Array(items.length + 1);
  let total = 0;
  for (let i = 0; i < items.length; i++) {
    offsets[i] = total;
    total += items[i]!.length;
  }
  offsets[items.length] = total;
  const data = new Uint8Array(total);
  for (let i = 0; i < items.length; i++) data.set(items[i]!, offsets[i]!);
  return { data, offsets };
}

/**
 * @example
 * const pool = new WorkerPool();
 * const results = await pool.open(envelopes); // parse + signature check on every core
 * await pool.close();
 */
export class WorkerPool {
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private rr = 0;
  /** Below this many items the message passing costs more than it saves, so work runs inline. */
  static readonly INLINE_BELOW = 64;

  constructor(size: number = os.availableParallelism()) {
    this.size = Math.max(1, size);
  }

  private worker(): Worker {
    if (this.workers.length < this.size) {
      const w = startWorker();
      w.unref();
      w.on("message", (m: { id: number; out?: ArrayBuffer; results?: OpenResult[] }) => {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        p?.resolve(m.out ?? m.results);
      });
      w.on("error", (err) => {
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
      this.workers.push(w);
      return w;
    }
    return this.workers[this.rr++ % this.workers.length]!;
  }

  private post<T>(job: Omit<WorkerJob, "id">, transfer: ArrayBuffer[]): Promise<T> {
    const id = this.nextId++;
    const w = this.worker();
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      w.postMessage({ ...job, id }, transfer);
    });
  }

  private split<T>(items: readonly T[]): T[][] {
    const per = Math.max(WorkerPool.INLINE_BELOW, Math.ceil(items.length / this.size));
    const out: T[][] = [];
    for (let i = 0; i < items.length; i += per) out.push(items.slice(i, i + per));
    return out;
  }

  /** Ed25519 signatures for every job, in order. */
  async sign(jobs: readonly SignJob[]): Promise<Uint8Array[]> {
    if (jobs.length < WorkerPool.INLINE_BELOW) return jobs.map((j) => ed25519Sign(j.seed, j.message));
    const parts = await Promise.all(
      this.split(jobs).map(async (part) => {
        const { data, offsets } = pack(part.map((j) => j.message));
        const seeds = pack(part.map((j) => j.seed)).data;
        const out = new Uint8Array(
          await this.post<ArrayBuffer>(
            { op: "sign", data: data.buffer as ArrayBuffer, offsets, seeds: seeds.buffer as ArrayBuffer },
            [data.buffer as ArrayBuffer, seeds.buffer as ArrayBuffer],
          ),
        );
        return part.map((_, i) => out.subarray(i * 64, i * 64 + 64));
      }),
    );
    return parts.flat();
  }

  /** Open every envelope: parse, verify its signature, extract admission facts; in order. */
  async open(envelopes: readonly Uint8Array[]): Promise<OpenResult[]> {
    if (envelopes.length < WorkerPool.INLINE_BELOW) return envelopes.map(openForAdmission);
    const parts = await Promise.all(
      this.split(envelopes).map((part) => {
        const { data, offsets } = pack(part);
        return this.post<OpenResult[]>({ op: "open", data: data.buffer as ArrayBuffer, offsets }, [
          data.buffer as ArrayBuffer,
        ]);
      }),
    );
    return parts.flat();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
