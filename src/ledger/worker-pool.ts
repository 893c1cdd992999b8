/**
 * Worker threads, one per core by default, that sign entries and open envelopes for admission.
 * Ed25519 dominates appending and verifying (measured: ~27k signs/s and ~9k verifies/s per core,
 * against ~700k SHA-256/s), so that work leaves the main thread, which only hashes and writes.
 */
import { createRequire } from "node:module";
import os from "node:os";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { type OpenOptions, type OpenResult, openForAdmission } from "./admission.js";
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
  /**
   * ...unless they are this large: a 1,000-step batch (11 KB) takes 0.3 ms to parse and check on
   * the writing thread, which that thread would rather spend signing and committing the next one
   * (measured in bench:sdk: moving it to a worker made a million steps about a quarter cheaper).
   */
  static readonly INLINE_BYTES = 16 * 1024;

  constructor(size: number = os.availableParallelism()) {
    this.size = Math.max(1, size);
  }

  private static sharedPool: WorkerPool | undefined;

  /**
   * The process's shared pool, used wherever no pool is given. Starting a worker loads the module
   * graph again (hundreds of milliseconds from TypeScript sources), so logs, verifiers and audits
   * in one process share their workers instead of each starting their own. Its workers are unref'd:
   * they never keep the process alive, and nobody needs to close it.
   */
  static shared(): WorkerPool {
    WorkerPool.sharedPool ??= new WorkerPool();
    return WorkerPool.sharedPool;
  }

  private worker(): Worker {
    if (this.workers.length < this.size) {
      const w = startWorker();
      w.on("message", (m: { id: number; out?: ArrayBuffer; results?: OpenResult[] }) => {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        this.idle();
        p?.resolve(m.out ?? m.results);
      });
      w.on("error", (err) => {
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        this.idle();
      });
      this.workers.push(w);
      return w;
    }
    return this.workers[this.rr++ % this.workers.length]!;
  }

  /**
   * Workers hold the process open only while they have work: referenced from the first pending
   * job, unreferenced once none is left, so a process that is done exits without closing the pool.
   * (A listener added to a worker refs it again, so this is set here, not once at creation.)
   */
  private busy(): void {
    for (const w of this.workers) w.ref();
  }

  private idle(): void {
    if (this.pending.size === 0) for (const w of this.workers) w.unref();
  }

  private post<T>(job: Omit<WorkerJob, "id">, transfer: ArrayBuffer[]): Promise<T> {
    const id = this.nextId++;
    const w = this.worker();
    if (this.pending.size === 0) this.busy();
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      w.postMessage({ ...job, id }, transfer);
    });
  }

  private split<T>(items: readonly T[]): T[][] {
    const per = Math.max(
      Math.min(WorkerPool.INLINE_BELOW, items.length),
      Math.ceil(items.length / this.size),
    );
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

  /** Open every envelope: parse, (optionally) verify its signature, take its view; in order. */
  async open(
    envelopes: readonly Uint8Array[],
    options: OpenOptions = { verify: true, full: false },
  ): Promise<OpenResult[]> {
    let bytes = 0;
    for (const e of envelopes) bytes += e.length;
    if (envelopes.length < WorkerPool.INLINE_BELOW && bytes < WorkerPool.INLINE_BYTES)
      return envelopes.map((e) => openForAdmission(e, options));
    const parts = await Promise.all(
      this.split(envelopes).map((part) => {
        const { data, offsets } = pack(part);
        return this.post<OpenResult[]>({ op: "open", data: data.buffer as ArrayBuffer, offsets, options }, [
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
