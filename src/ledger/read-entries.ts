/**
 * The one way entries are read back from a store: in byte-bounded chunks, each parsed (and, when
 * asked, signature-checked) on the worker pool while the caller walks the chunk before it. Replaying
 * a log, verifying it, auditing it and exporting it all go through here, so they parse alike and
 * their memory is bounded by the chunk size, not by the ledger.
 */
import type { OpenOptions, OpenResult } from "./admission.js";
import { type ChunkLimits, FULL_CHUNK, type LedgerStore, type StoredEntry } from "./store.js";
import type { WorkerPool } from "./worker-pool.js";

export interface ReadEntry {
  readonly stored: StoredEntry;
  readonly opened: OpenResult;
}

export interface ReadOptions {
  readonly from?: number;
  /** One past the last index to read; the store's size when omitted. */
  readonly to?: number;
  readonly pool: WorkerPool;
  readonly open: OpenOptions;
  readonly limits?: ChunkLimits;
}

/**
 * @example
 * for await (const chunk of readEntries(store, { pool, open: { verify: false, full: true } }))
 *   for (const { stored, opened } of chunk) if (opened.ok) console.log(stored.index, opened.entry.view.kind);
 */
export async function* readEntries(
  store: LedgerStore,
  options: ReadOptions,
): AsyncIterable<readonly ReadEntry[]> {
  const to = options.to ?? (await store.size());
  let inflight: { rows: readonly StoredEntry[]; results: Promise<OpenResult[]> } | undefined;
  const limits = options.limits ?? (options.open.full ? FULL_CHUNK : undefined);
  for await (const rows of store.entries(options.from ?? 0, to, limits)) {
    const job = {
      rows,
      results: options.pool.open(
        rows.map((r) => r.envelope),
        options.open,
      ),
    };
    job.results.catch(() => undefined);
    if (inflight) yield zip(inflight.rows, await inflight.results);
    inflight = job;
  }
  if (inflight) yield zip(inflight.rows, await inflight.results);
}

function zip(rows: readonly StoredEntry[], results: readonly OpenResult[]): ReadEntry[] {
  return rows.map((stored, i) => ({ stored, opened: results[i]! }));
}
