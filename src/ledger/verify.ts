/**
 * The offline verifier: re-derives everything in a ledger from the entries alone and reports the
 * first problem, by position in the log, with a stable code. It runs the log's own admission rules
 * and the same plugged-in rule set the log ran (mesa-optimizer control), so an entry written by a
 * client that skipped the SDK, or edited into the file afterwards, fails here at the first entry
 * that breaks a rule.
 *
 * It streams the entries in byte-bounded chunks (memory is bounded by the chunk size, the number of
 * actors and the leaf set, not by the ledger's bytes) and verifies signatures on every core while
 * the previous chunk is being walked.
 */
import type { ControlCode, CoreAdmissionCode } from "../errors.js";
import { admitCore, CoreState } from "./admission.js";
import { encodeBase64, toHex } from "./base64.js";
import { openCheckpoint, verifyCosignature } from "./checkpoint.js";
import { equalBytes, sha256 } from "./crypto.js";
import {
  ALG_COSIGNATURE_V1,
  formatVerifierKey,
  parseVerifierKey,
  sameKey,
  type VerifierKey,
} from "./keys.js";
import type { LogObserver } from "./log.js";
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
import { readEntries } from "./read-entries.js";
import { type LedgerRules, NO_RULES, type RuleContext } from "./rules.js";
import type { ChunkLimits, LedgerStore, StoredCheckpoint } from "./store.js";
import { WorkerPool } from "./worker-pool.js";

export const VERIFY_CODES = [
  "LOG_UNINITIALISED",
  "LOG_KEY_MISMATCH",
  "ENTRY_MISSING",
  "LEAF_HASH_MISMATCH",
  "ENTRY_MALFORMED",
  "ENTRY_SIGNATURE_INVALID",
  "ORIGIN_MISMATCH",
  "ENTRY_DUPLICATE",
  "PARENT_NOT_BEFORE",
  "TIME_IN_FUTURE",
  "TIME_BACKWARDS",
  "ACTOR_UNKNOWN",
  "ACTOR_KEY_MISMATCH",
  "ACTOR_EXISTS",
  "CONTROL_DENIED",
  "CONTROL_UNAPPROVED",
  "CONTROL_GATE_MISMATCH",
  "CONTROL_REQUEST_MISMATCH",
  "CONTROL_HALTED_ACTOR",
  "CONTROL_HALT_UNAUTHORISED",
  "CONTROL_RESUME_INVALID",
  "CONTROL_CHANGE_INVALID",
  "CONTROL_CHANGE_UNAUTHORISED",
  "CONTROL_POLICY_UNAUTHORISED",
  "CONTROL_POLICY_INVALID",
  "CONTROL_APPROVAL_TARGET",
  "CONTROL_APPROVER_NOT_OVERSEER",
  "CONTROL_SELF_APPROVAL",
  "CONTROL_TARGET_UNKNOWN",
  "CONTROL_BUDGET_EXCEEDED",
  "CONTROL_SPEC_MISMATCH",
  "CONTROL_SPEC_MISSING",
  "CONTROL_COLLECTOR_UNAUTHORISED",
  "BLOB_HASH_MISMATCH",
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
  "WITNESS_QUORUM",
] as const satisfies readonly string[];
export type VerifyCode = (typeof VERIFY_CODES)[number];

// Every code admission can refuse with must be one verify can report (TIME_STALE excepted: an
// entry's age at admission is recorded nowhere, so it cannot be re-checked offline).
type Missing = Exclude<Exclude<CoreAdmissionCode, "TIME_STALE"> | ControlCode, VerifyCode>;
const _everyRuleReported: [Missing] extends [never] ? true : Missing = true;
void _everyRuleReported;

export interface VerifyProblem {
  readonly code: VerifyCode;
  readonly message: string;
  /** The entry index the problem is at (for checkpoints: the checkpoint's size). */
  readonly index?: number | undefined;
}

/** A witness as the report names it: by its key id as well as its name, never by the name alone. */
export interface WitnessReport {
  readonly name: string;
  /** Hex key id (c2sp.org/signed-note). */
  readonly keyId: string;
  readonly key: string;
  /** Whether the key is one of the pinned witnesses (`--witness`). */
  readonly pinned: boolean;
  /** Checkpoint sizes it cosigned. */
  readonly sizes: readonly number[];
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly origin: string | undefined;
  readonly entries: number;
  readonly actors: number;
  readonly rootActors: readonly string[];
  readonly checkpoints: number;
  readonly witnesses: readonly WitnessReport[];
  /** base64 root over every entry verified. */
  readonly root: string;
  /** Entries the rules admitted with a mark (a creation an audit-mode policy let through), first 100. */
  readonly marks: readonly { readonly index: number; readonly code: string; readonly message: string }[];
  readonly markCount: number;
  readonly problem?: VerifyProblem;
}

export interface VerifyOptions<S> {
  /** Pin the log's key; without it the key recorded in the ledger is used (and reported as such). */
  readonly logKey?: VerifierKey;
  /** The rules the log ran; without them only the log's own rules are re-checked. */
  readonly rules?: LedgerRules<S>;
  /** Pinned witness keys: cosignatures by any other key are reported as not pinned and never counted. */
  readonly witnesses?: readonly VerifierKey[];
  /** Pinned witnesses that must have cosigned the latest checkpoint (default: 1 when any is pinned). */
  readonly minWitnesses?: number;
  /** Where signatures are checked (the process's shared pool by default). */
  readonly pool?: WorkerPool;
  readonly limits?: ChunkLimits;
  readonly onProgress?: (done: number, total: number) => void;
  /** The verifier's clock, for entries dated in the future. */
  readonly now?: number;
  /**
   * Told of every entry after the rules admitted it, as a replay's observer is (`audit` runs its
   * detectors this way, in the verifying pass itself). It sees entries up to the first problem only.
   */
  readonly observer?: LogObserver<S>;
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

const MAX_MARKS = 100;

/**
 * Verify a whole ledger.
 *
 * @example const report = await verifyLog(SqliteStore.open("ledger.db", { readonly: true }), { rules });
 */
export async function verifyLog<S>(
  store: LedgerStore,
  options: VerifyOptions<S> = {},
): Promise<VerifyReport> {
  const pool = options.pool ?? WorkerPool.shared();
  const rules = options.rules ?? (NO_RULES as unknown as LedgerRules<S>);
  const state = rules.create();
  const core = new CoreState();
  const witnesses = new Map<string, WitnessReport & { sizes: number[] }>();
  const frontier = new Frontier();
  const marks: VerifyReport["marks"][number][] = [];
  let markCount = 0;
  let checkpointCount = 0;
  let origin: string | undefined;
  const now = options.now ?? Date.now();
  const summary = (p?: VerifyProblem): VerifyReport => ({
    ok: p === undefined,
    origin,
    entries: frontier.size,
    actors: core.actors.size,
    rootActors: [...core.actors.values()].filter((a) => a.creator === undefined).map((a) => a.name),
    checkpoints: checkpointCount,
    witnesses: [...witnesses.values()],
    root: encodeBase64(frontier.size === 0 ? EMPTY_ROOT : frontier.root()),
    marks,
    markCount,
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
        `the ledger's log key ${meta.logKey} is not the pinned key ${formatVerifierKey(options.logKey)}`,
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
    // one in order: hashes, the log's rules, the plugged-in rules, tree nodes, checkpoints.
    let next = 0;
    for await (const chunk of readEntries(store, {
      to: size,
      pool,
      open: { verify: true, full: options.observer?.full === true },
      ...(options.limits ? { limits: options.limits } : {}),
    })) {
      const blobs = new Map<string, Uint8Array>();
      const edited = new Set<string>();
      for (const { opened } of chunk) {
        if (!opened.ok || rules.blobsOf === undefined) continue;
        for (const d of rules.blobsOf(opened.entry.view)) {
          const data = blobs.has(d) || edited.has(d) ? undefined : await store.blob(d);
          if (data === undefined) continue;
          // A blob is trusted only once it hashes to its own name.
          if (toHex(sha256(data)) === d) blobs.set(d, data);
          else edited.add(d);
        }
      }
      const completed: { id: NodeId; hash: Hash; at: number }[] = [];
      try {
        for (const { stored: row, opened: r } of chunk) {
          if (row.index !== next)
            problem(
              "ENTRY_MISSING",
              `entry ${next} is missing (the next stored entry is ${row.index})`,
              next,
            );
          const leaf = leafHash(row.envelope);
          if (!equalBytes(leaf, row.leafHash))
            problem("LEAF_HASH_MISMATCH", `entry ${next}'s bytes do not hash to its stored leaf hash`, next);
          if (!r.ok) problem("ENTRY_MALFORMED", `entry ${next}: ${r.message}`, next);
          if (r.entry.signatureValid !== true)
            problem("ENTRY_SIGNATURE_INVALID", `entry ${next}'s signature does not verify`, next);
          const c = admitCore(core, r.entry, leaf, {
            index: next,
            origin: meta.origin,
            now,
            admission: false,
          });
          if (!c.ok) problem(c.code as VerifyCode, c.message, next);
          for (const d of rules.blobsOf?.(r.entry.view) ?? [])
            if (edited.has(d))
              problem(
                "BLOB_HASH_MISMATCH",
                `entry ${next} names blob ${d}, whose stored bytes do not hash to it (edited)`,
                next,
              );
          const ctx: RuleContext = {
            index: next,
            origin: meta.origin,
            signer: r.entry.signer,
            actor: (name) => core.actors.get(name),
            blob: (d) => blobs.get(d),
          };
          const verdict = rules.admit(state, r.entry.view, ctx);
          if (!verdict.ok) problem(verdict.code as VerifyCode, verdict.message, next);
          for (const m of verdict.marks ?? []) {
            markCount++;
            if (marks.length < MAX_MARKS) marks.push({ index: next, ...m });
          }
          options.observer?.entry(next, r.entry, ctx.blob, state);
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
      options.onProgress?.(next, size);
    }
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
    for (const { digest } of await store.blobDigests()) {
      const data = await store.blob(digest);
      if (data === undefined || toHex(sha256(data)) !== digest)
        problem("BLOB_HASH_MISMATCH", `the blob stored under ${digest} does not hash to its digest (edited)`);
    }
    await checkConsistency(store, checkpoints);
    checkCosignatures(checkpoints, options, witnesses);
    return summary();
  } catch (err) {
    if (err instanceof Found) return summary(err.problem);
    throw err;
  }
}

interface OpenedCheckpoint {
  readonly size: number;
  readonly root: Hash;
  readonly text: string;
  readonly cosignatures: StoredCheckpoint["cosignatures"];
}

function checkCosignatures<S>(
  checkpoints: readonly OpenedCheckpoint[],
  options: VerifyOptions<S>,
  witnesses: Map<string, WitnessReport & { sizes: number[] }>,
): void {
  const pinned = options.witnesses ?? [];
  let latestPinned = new Set<string>();
  for (const c of checkpoints) {
    const here = new Set<string>();
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
          key.type === ALG_COSIGNATURE_V1 ? verifyCosignature(parseNote(c.text + cos.line), key) : undefined;
      } catch {
        ts = undefined;
      }
      const id = `${key.name} (key ${toHex(key.keyId)})`;
      if (ts === undefined)
        problem(
          "COSIGNATURE_INVALID",
          `checkpoint ${c.size}: the cosignature by ${id} does not verify`,
          c.size,
        );
      const text = formatVerifierKey(key);
      const isPinned = pinned.some((p) => sameKey(p, key));
      const w = witnesses.get(text) ?? {
        name: key.name,
        keyId: toHex(key.keyId),
        key: text,
        pinned: isPinned,
        sizes: [],
      };
      w.sizes.push(c.size);
      witnesses.set(text, w);
      if (isPinned) here.add(text);
    }
    latestPinned = here;
  }
  if (pinned.length === 0 && options.minWitnesses === undefined) return;
  const need = options.minWitnesses ?? 1;
  if (latestPinned.size < need) {
    const latest = checkpoints.at(-1);
    problem(
      "WITNESS_QUORUM",
      latest === undefined
        ? `expected a checkpoint cosigned by ${need} pinned witness(es); the ledger has no checkpoint`
        : `the latest checkpoint (size ${latest.size}) is cosigned by ${latestPinned.size} pinned witness(es), expected at least ${need}`,
      latest?.size,
    );
  }
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
