/**
 * The offline verifier: re-derives everything in a ledger from the entries alone and reports the
 * first problem, by position in the log, with a stable code.
 *
 * It streams the entries in chunks (memory is bounded by the chunk size and the number of actors)
 * and verifies signatures on every core while the next chunk is being hashed.
 */
import type { LedgerStore, StoredCheckpoint, StoredEntry } from "../store/store.js";
import { type ActorBinding, admit, type OpenResult } from "./admission.js";
import { encodeBase64 } from "./base64.js";
import { openCheckpoint, verifyCosignature } from "./checkpoint.js";
import { equalBytes } from "./crypto.js";
import { ALG_COSIGNATURE_V1, parseVerifierKey, sameKey, type VerifierKey } from "./keys.js";
import {
  consistencyProof,
  EMPTY_ROOT,
  Frontier,
  type Hash,
  leafHash,
  type NodeId,
  verifyConsistency,
} from "./merkle.js";
import { parseNote } from "./note.js";
import { WorkerPool } from "./worker-pool.js";

export const VERIFY_CODES = [
  "LOG_UNINITIALISED",
  "LOG_KEY_MISMATCH",
  "ENTRY_MISSING",
  "LEAF_HASH_MISMATCH",
  "ENTRY_MALFORMED",
  "ENTRY_SIGNATURE_INVALID",
  "ACTOR_UNKNOWN",
  "ACTOR_KEY_MISMATCH",
  "ACTOR_EXISTS",
  "PARENT_NOT_BEFORE",
  "NODE_MISSING",
  "NODE_HASH_MISMATCH",
  "NODE_EXTRA",
  "CHECKPOINT_MALFORMED",
  "CHECKPOINT_SIGNATURE_INVALID",
  "CHECKPOINT_FORK",
  "CHECKPOINT_ROOT_MISMATCH",
  "CHECKPOINT_BEYOND_LOG",
  "CHECKPOINT_INCONSISTENT",
  "COSIGNATURE_INVALID",
] as const;
export type VerifyCode = (typeof VERIFY_CODES)[number];

export interface VerifyProblem {
  readonly code: VerifyCode;
  readonly message: string;
  /** The entry index the problem is at (for checkpoints: the checkpoint's size). */
  readonly index?: number | undefined;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly origin: string | undefined;
  readonly entries: number;
  readonly actors: number;
  readonly rootActors: readonly string[];
  readonly checkpoints: number;
  readonly witnesses: readonly string[];
  /** base64 root over every entry verified. */
  readonly root: string;
  readonly problem?: VerifyProblem;
}

export interface VerifyOptions {
  /** Pin the log's key; without it the key recorded in the ledger is used (and reported as such). */
  readonly logKey?: VerifierKey;
  readonly pool?: WorkerPool;
  readonly chunk?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

class Found extends Error {
  constructor(readonly problem: VerifyProblem) {
    super(problem.message);
  }
}

function problem(code: VerifyCode, message: string, index?: number): never {
  throw new Found({ code, message, index });
}

/** How many perfect subtrees of level >= 1 a tree of `size` leaves has. */
export function expectedNodeCount(size: number): number {
  let n = 0;
  for (let span = 2; span <= size; span *= 2) n += Math.floor(size / span);
  return n;
}

/**
 * Verify a whole ledger.
 *
 * @example const report = await verifyLedger(SqliteStore.open("ledger.db", { readonly: true }));
 */
export async function verifyLedger(store: LedgerStore, options: VerifyOptions = {}): Promise<VerifyReport> {
  const pool = options.pool ?? new WorkerPool();
  const actors = new Map<string, ActorBinding>();
  const witnesses = new Set<string>();
  const frontier = new Frontier();
  let checkpointCount = 0;
  let origin: string | undefined;
  const summary = (p?: VerifyProblem): VerifyReport => ({
    ok: p === undefined,
    origin,
    entries: frontier.size,
    actors: actors.size,
    rootActors: [...actors.values()].filter((a) => a.creator === undefined).map((a) => a.name),
    checkpoints: checkpointCount,
    witnesses: [...witnesses],
    root: encodeBase64(frontier.size === 0 ? EMPTY_ROOT : frontier.root()),
    ...(p ? { problem: p } : {}),
  });
  try {
    const meta = await store.meta();
    if (meta === undefined)
      problem("LOG_UNINITIALISED", `ledger ${store.location} has no log identity (origin and log key)`);
    origin = meta.origin;
    let logKey: VerifierKey;
    try {
      logKey = parseVerifierKey(meta.logKey);
    } catch (err) {
      problem("LOG_KEY_MISMATCH", `the ledger's recorded log key is malformed: ${(err as Error).message}`);
    }
    if (options.logKey !== undefined && !sameKey(options.logKey, logKey)) {
      problem(
        "LOG_KEY_MISMATCH",
        `the ledger's log key ${meta.logKey} is not the pinned key ${options.logKey.name}`,
      );
    }
    const size = await store.size();
    const checkpoints = openCheckpoints(await store.checkpoints(), logKey, meta.origin);
    checkpointCount = checkpoints.length;
    const bySize = new Map<number, Hash>();
    for (const c of checkpoints) {
      const seen = bySize.get(c.size);
      if (seen !== undefined && !equalBytes(seen, c.root)) {
        problem(
          "CHECKPOINT_FORK",
          `two signed checkpoints of size ${c.size} have different roots: the log showed two histories`,
          c.size,
        );
      }
      bySize.set(c.size, c.root);
    }
    const beyond = checkpoints.find((c) => c.size > size);
    const checkRoot = (at: number) => {
      const want = bySize.get(at);
      if (want === undefined) return;
      const got = at === 0 ? EMPTY_ROOT : frontier.root();
      if (!equalBytes(want, got)) {
        problem(
          "CHECKPOINT_ROOT_MISMATCH",
          `the checkpoint at size ${at} signs a root the entries do not produce`,
          at,
        );
      }
    };
    checkRoot(0);

    // Workers parse and check the signatures of the next chunk while this thread walks the current
    // one in order: hashes, admission rules, tree nodes, checkpoints.
    let next = 0;
    const walk = async (rows: readonly StoredEntry[], results: readonly OpenResult[]) => {
      const completed: { id: NodeId; hash: Hash; at: number }[] = [];
      try {
        for (const [i, row] of rows.entries()) {
          if (row.index !== next)
            problem(
              "ENTRY_MISSING",
              `entry ${next} is missing (the next stored entry is ${row.index})`,
              next,
            );
          const leaf = leafHash(row.envelope);
          if (!equalBytes(leaf, row.leafHash))
            problem("LEAF_HASH_MISMATCH", `entry ${next}'s bytes do not hash to its stored leaf hash`, next);
          const r = results[i]!;
          if (!r.ok) problem("ENTRY_MALFORMED", `entry ${next}: ${r.message}`, next);
          if (!r.signatureValid)
            problem("ENTRY_SIGNATURE_INVALID", `entry ${next}'s signature does not verify`, next);
          const d = admit(r.facts, next, (name) => actors.get(name));
          if (!d.ok) problem(d.code, d.message, next);
          if (d.introduces) actors.set(d.introduces.name, d.introduces);
          for (const n of frontier.push(leaf))
            completed.push({ id: { level: n.level, index: n.index }, hash: n.hash, at: next });
          next++;
          if (bySize.has(next)) {
            await checkNodes(store, completed.splice(0));
            checkRoot(next);
          }
        }
      } finally {
        // Nodes completed before a problem are checked first: one of them may be the earlier problem.
        await checkNodes(store, completed);
      }
    };
    let inflight: { rows: readonly StoredEntry[]; results: Promise<OpenResult[]> } | undefined;
    for await (const rows of store.entries(0, size, options.chunk ?? 2048)) {
      const job = { rows, results: pool.open(rows.map((r) => r.envelope)) };
      if (inflight) await walk(inflight.rows, await inflight.results);
      inflight = job;
      options.onProgress?.(next, size);
    }
    if (inflight) await walk(inflight.rows, await inflight.results);
    if (next < size) problem("ENTRY_MISSING", `entry ${next} is missing`, next);
    if (beyond) {
      problem(
        "CHECKPOINT_BEYOND_LOG",
        `a checkpoint signs ${beyond.size} entries but the ledger holds ${size}: entries were removed`,
        beyond.size,
      );
    }
    const nodes = await store.nodeCount();
    if (nodes !== expectedNodeCount(size)) {
      problem(
        "NODE_EXTRA",
        `the ledger stores ${nodes} tree nodes; a tree of ${size} entries has ${expectedNodeCount(size)}`,
      );
    }
    await checkConsistency(store, checkpoints);
    for (const c of checkpoints) {
      for (const cos of c.cosignatures) {
        let key: VerifierKey;
        try {
          key = parseVerifierKey(cos.witness);
        } catch (err) {
          problem(
            "COSIGNATURE_INVALID",
            `checkpoint ${c.size}: witness key is malformed: ${(err as Error).message}`,
            c.size,
          );
        }
        let ts: number | undefined;
        try {
          ts =
            key.type === ALG_COSIGNATURE_V1
              ? verifyCosignature(parseNote(c.text + cos.line), key)
              : undefined;
        } catch {
          ts = undefined;
        }
        if (ts === undefined) {
          problem(
            "COSIGNATURE_INVALID",
            `checkpoint ${c.size}: the cosignature by ${key.name} does not verify`,
            c.size,
          );
        }
        witnesses.add(key.name);
      }
    }
    return summary();
  } catch (err) {
    if (err instanceof Found) return summary(err.problem);
    throw err;
  } finally {
    if (options.pool === undefined) await pool.close();
  }
}

interface OpenedCheckpoint {
  readonly size: number;
  readonly root: Hash;
  readonly text: string;
  readonly cosignatures: StoredCheckpoint["cosignatures"];
}

function openCheckpoints(
  rows: readonly StoredCheckpoint[],
  logKey: VerifierKey,
  origin: string,
): OpenedCheckpoint[] {
  return rows.map((row) => {
    let opened: ReturnType<typeof openCheckpoint>;
    try {
      opened = openCheckpoint(row.text, logKey, origin);
    } catch (err) {
      const code = (err as { code?: string }).code;
      const sig = code === "SIGNATURE_INVALID" || code === "KEY_MISMATCH";
      problem(
        sig ? "CHECKPOINT_SIGNATURE_INVALID" : "CHECKPOINT_MALFORMED",
        `checkpoint ${row.id} (size ${row.size}): ${(err as Error).message}`,
        row.size,
      );
    }
    if (opened.checkpoint.size !== row.size) {
      problem(
        "CHECKPOINT_MALFORMED",
        `checkpoint ${row.id} is filed at size ${row.size} but signs size ${opened.checkpoint.size}`,
        row.size,
      );
    }
    return { size: row.size, root: opened.checkpoint.root, text: row.text, cosignatures: row.cosignatures };
  });
}

async function checkNodes(
  store: LedgerStore,
  completed: readonly { id: NodeId; hash: Hash; at: number }[],
): Promise<void> {
  if (completed.length === 0) return;
  const stored = await store.nodes(completed.map((c) => c.id));
  completed.forEach((c, i) => {
    const s = stored[i];
    const name = `node ${c.id.level}/${c.id.index}`;
    if (s === undefined) problem("NODE_MISSING", `${name} (completed by entry ${c.at}) is not stored`, c.at);
    if (!equalBytes(s, c.hash))
      problem(
        "NODE_HASH_MISMATCH",
        `stored ${name} (completed by entry ${c.at}) differs from the hash of its entries`,
        c.at,
      );
  });
}

async function checkConsistency(store: LedgerStore, checkpoints: readonly OpenedCheckpoint[]): Promise<void> {
  const read = async (ids: readonly NodeId[]) => (await store.nodes(ids)).map((h) => h ?? new Uint8Array(32));
  for (let i = 1; i < checkpoints.length; i++) {
    const a = checkpoints[i - 1]!;
    const b = checkpoints[i]!;
    if (a.size === b.size) continue;
    try {
      verifyConsistency(a.size, b.size, await consistencyProof(a.size, b.size, read), a.root, b.root);
    } catch (err) {
      problem(
        "CHECKPOINT_INCONSISTENT",
        `checkpoints ${a.size} and ${b.size} are not consistent: ${(err as Error).message}`,
        b.size,
      );
    }
  }
}
