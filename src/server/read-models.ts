/**
 * What the server's read endpoints answer from, kept up to date as the log grows instead of derived
 * from the whole ledger per request.
 *
 * - Explanations, the provenance tree, the optimizer list and the review queue are functions of the
 *   control state (`control/state.ts`), which the server's log keeps current on every append it
 *   admits and on every `catchUp` (entries other processes appended to the same store). Each answer
 *   is made from that state when first asked for and kept, with its JSON, until an append that can
 *   change it: before answering, the appends since the last look are read back from the store and
 *   each says which answers it can change (`answer-scope.ts`: a note none, a step batch its
 *   optimizer's explanation and those of its descendants, the tree and the list). So an append
 *   costs the answers it changes, made again once, and a read of a kept answer costs a look at the
 *   log's size and sending bytes already made. More than {@link MAX_SCOPED_ENTRIES} appends since
 *   the last look drop every answer. What the ancestry monitors find in each optimizer's own record
 *   is kept apart, until its next step batch or an observation about it: judging a long record
 *   (goodhart: about 35 ms at 1,000 episodes) is most of what an explanation made afresh costs, and
 *   a trainer's record is read by the explanation of every optimizer it made. What an explanation
 *   reads beyond the state (a creation's inline spec, a spec blob, the last step batch) never
 *   changes once written, so it sits in a byte-bounded cache in front of the store.
 * - Findings come from the audit's detectors kept running on a replay of their own
 *   (`oversight/audit-replay.ts`): opened once over the store when the server starts (the rebuild),
 *   then told only of entries they have not seen, whoever appended them. A request asks the
 *   detectors what they hold (once per log size), which costs what their `finish` costs, not a
 *   replay (the goodhart detector judges again only the records that changed). The replay is
 *   separate from the server's log because the detectors need every entry's whole statement (step
 *   columns) and the control state as of that entry, which the admitting log neither keeps nor
 *   passes on; the price is a second control state in memory and each entry read back once more.
 * - The verification in a findings answer is the latest completed full `verify` of the store (it
 *   re-checks every signature, node and checkpoint: minutes at a million entries), run in the
 *   background when a findings request finds the last one older than the log, at most one at a time,
 *   and kept to a share of the time once one lasts a second or more (`verifyShare`: a million
 *   entries are not re-verified back to back while a console polls); `verify` is null until the
 *   first completes, and its `entries` says how much of the log it covers.
 *
 * Memory: the control state (bounded per optimizer by the state's own caps), the detectors' memory
 * (as an audit's), at most {@link EXPLAIN_CACHE} cached explanations and {@link SOURCE_CACHE_BYTES} of
 * cached entries and blobs.
 */
import type { AncestryFinding } from "../control/ancestry.js";
import type { ControlState } from "../control/state.js";
import { OptprovError } from "../errors.js";
import { ancestryFindings, type ExplainSource, type Explanation, explain } from "../explain/explain.js";
import { provenanceTree, type TreeNode } from "../explain/tree.js";
import { Log } from "../ledger/log.js";
import type { LedgerStore, StoredEntry } from "../ledger/store.js";
import type { VerifyReport } from "../ledger/verify.js";
import type { WorkerPool } from "../ledger/worker-pool.js";
import { ANCESTRY_MONITORS } from "../oversight/ancestry-monitors.js";
import { LEDGER_DETECTORS } from "../oversight/audit.js";
import { AuditReplay } from "../oversight/audit-replay.js";
import { compareFindings, type Finding } from "../oversight/detectors/finding.js";
import { forgeryFindings } from "../oversight/detectors/forgery.js";
import { ledgerRules } from "../oversight/gate-detectors.js";
import { type QueueItem, reviewQueue } from "../oversight/review-queue.js";
import { verifyLedger } from "../oversight/verify.js";
import { type AnswerScope, answerScope } from "./answer-scope.js";

/** Explanations kept (by optimizer name), each for the log size it was made at. */
export const EXPLAIN_CACHE = 256;
/** Bytes of stored entries and blobs kept in front of the store for explanations. */
export const SOURCE_CACHE_BYTES = 64 * 1024 * 1024;

export interface ReadModelOptions {
  /** Where the findings replay parses entries (the process's shared pool by default). */
  readonly pool?: WorkerPool;
  /** How long a findings request waits for a verification under way before answering with the last one (default 2,000 ms). */
  readonly verifyWaitMs?: number;
  /** Least time between the end of one background verification and the start of the next (default 0). */
  readonly reverifyMs?: number;
  /**
   * The share of the time background verification may take once one lasts `verifyShareFromMs`
   * or more (default 0.1 from 1,000 ms): after a verification that took t, the next starts no
   * sooner than t x (1 / share - 1) after it ended. A ledger that verifies in under a second is
   * verified again as soon as it has grown and findings are asked for; one of a million entries
   * (minutes) is not re-verified back to back while a console polls.
   */
  readonly verifyShare?: number;
  readonly verifyShareFromMs?: number;
  /** Told of a background failure (a replay or a verification that threw). */
  readonly onError?: (err: unknown) => void;
}

export interface OptimizerSummary {
  readonly name: string;
  readonly creator: string;
  readonly index: number;
  readonly time: string;
  readonly process: string;
  readonly depth: number;
  readonly haltedBy: { readonly optimizer: string; readonly index: number } | undefined;
  readonly unapproved: boolean;
  readonly steps: number;
  readonly children: readonly string[];
}

export interface FindingsView {
  /** The log size the detectors have read up to. */
  readonly size: number;
  /** The latest completed verification of the whole store (its `entries` says how far it reached); null before the first. */
  readonly verify: VerifyReport | null;
  /** A verification is under way in the background. */
  readonly verifying: boolean;
  readonly detectorsRun: readonly string[];
  /** Most severe first. */
  readonly findings: readonly Finding[];
}

/** Least recently used out first, bounded by a byte count; for values that never change once written. */
class ByteCache<K, V> {
  private readonly map = new Map<K, { value: V; bytes: number }>();
  private bytes = 0;
  constructor(private readonly maxBytes: number) {}

  get(key: K): V | undefined {
    const hit = this.map.get(key);
    if (hit === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, hit);
    return hit.value;
  }

  set(key: K, value: V, bytes: number): void {
    if (bytes > this.maxBytes / 4 || this.map.has(key)) return;
    this.map.set(key, { value, bytes });
    this.bytes += bytes;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      this.map.delete(k);
      this.bytes -= v.bytes;
    }
  }
}

/** The store's entries and blobs through a cache: both are immutable once written (RFC 6962 leaves, content-addressed blobs). */
function cachedSource(store: LedgerStore, maxBytes: number): ExplainSource {
  const entries = new ByteCache<number, StoredEntry>(maxBytes / 2);
  const blobs = new ByteCache<string, Uint8Array>(maxBytes / 2);
  return {
    async entry(index) {
      const hit = entries.get(index);
      if (hit !== undefined) return hit;
      const e = await store.entry(index);
      if (e !== undefined) entries.set(index, e, e.envelope.length + 64);
      return e;
    },
    async blob(digest) {
      const hit = blobs.get(digest);
      if (hit !== undefined) return hit;
      const b = await store.blob(digest);
      if (b !== undefined) blobs.set(digest, b, b.length + 64);
      return b;
    },
  };
}

/** Appends read one by one to find the answers they change; past this many since the last look, every answer is dropped instead. */
export const MAX_SCOPED_ENTRIES = 256;

/** An answer and its JSON, made once and kept until an append that can change it (`answer-scope.ts`). */
interface Kept<T> {
  readonly value: Promise<T>;
  json: Promise<string> | undefined;
}

function keep<T>(value: Promise<T>): Kept<T> {
  return { value, json: undefined };
}

/** The answers made once per log rather than per optimizer. */
interface LogAnswers {
  tree: TreeNode[];
  queue: QueueItem[];
  list: OptimizerSummary[];
}

function jsonOf<T>(kept: Kept<T>, wrap: (value: T) => unknown): Promise<string> {
  kept.json ??= kept.value.then((v) => JSON.stringify(wrap(v)));
  return kept.json;
}

/**
 * @example
 * const reads = new ReadModels(log);
 * reads.start();
 * await reads.explain("planner"); await reads.tree(); await reads.review(); await reads.findings();
 */
export class ReadModels {
  private readonly source: ExplainSource;
  private readonly explained = new Map<string, Kept<Explanation | undefined>>();
  /** What the ancestry monitors find in each optimizer's own record (generation 1), by name. */
  private readonly records = new Map<string, readonly AncestryFinding[]>();
  private readonly ancestry = (state: ControlState, creator: string): readonly AncestryFinding[] => {
    const line = [creator, ...state.ancestors(creator)].filter((n) => state.optimizers.has(n));
    // Kept only from a state with no append half way (one could still be undone).
    const keeping = state.size === this.log.size;
    return line.flatMap((optimizer, i) => {
      let own = this.records.get(optimizer);
      if (own === undefined) {
        own = ancestryFindings(state, optimizer).filter((f) => f.optimizer === optimizer);
        if (keeping) this.records.set(optimizer, own);
      }
      return i === 0 ? own : own.map((f) => ({ ...f, generation: i + 1 }));
    });
  };
  /** The answers that are one per log (not per optimizer), each kept until an append can change it. */
  private readonly kept = new Map<keyof LogAnswers, Kept<unknown>>();
  /** The log size up to which every append has been read for the answers it changes. */
  private seen = 0;
  private scoping: Promise<void> = Promise.resolve();
  /** Whether the log runs the built-in ancestry monitors only (else any entry may change any explanation). */
  private readonly scoped: boolean;
  private readonly detectors: FindingsModel;

  constructor(
    private readonly log: Log<ControlState>,
    options: ReadModelOptions = {},
  ) {
    this.source = cachedSource(log.store, SOURCE_CACHE_BYTES);
    this.detectors = new FindingsModel(log.store, options);
    const monitors = (log.rules as { monitors?: Readonly<Record<string, unknown>> }).monitors ?? {};
    this.scoped = Object.entries(monitors).every(
      ([name, m]) => (ANCESTRY_MONITORS as Readonly<Record<string, unknown>>)[name] === m,
    );
  }

  /** Start the findings replay (the rebuild from the log) in the background. */
  start(): void {
    this.detectors.start();
  }

  /** Resolves once the findings replay has read the log as it was at `start`. */
  ready(): Promise<void> {
    return this.detectors.ready();
  }

  /** An append was admitted: let the detectors read it soon, before anyone asks. */
  appended(): void {
    this.detectors.schedule();
  }

  /**
   * The state with everything the store holds applied, every answer an append since the last look
   * can change dropped, and whether answers made from the state now may be kept: not while an
   * append is half way (its entries applied, not yet durable, and perhaps about to be undone).
   */
  private async current(): Promise<{ state: ControlState; keep: boolean }> {
    await this.log.catchUp();
    // The log's size counts durable entries only, so these are in the store to be read back.
    await this.dropChanged(this.log.size);
    // Entries applied after that size are read by the next look; an answer that already shows
    // them is right until then, and dropped then if they change it.
    const state = this.log.state;
    return { state, keep: state.size === this.log.size };
  }

  /** Read the appends in [seen, size) and drop the answers they can change; one look at a time. */
  private dropChanged(size: number): Promise<void> {
    const run = this.scoping.then(async () => {
      const from = this.seen;
      if (size <= from) return;
      if (!this.scoped || size - from > MAX_SCOPED_ENTRIES) this.dropAll();
      else
        for await (const chunk of this.log.store.entries(from, size))
          for (const e of chunk) this.drop(answerScope(e.envelope));
      this.seen = size;
    });
    this.scoping = run.catch(() => undefined);
    return run.catch((err: unknown) => {
      // The store could not be read back: keep nothing made before it.
      this.dropAll();
      throw err;
    });
  }

  /** Drop every answer, and with `records` what the monitors found in every record too. */
  private dropAll(records = true): void {
    if (records) this.records.clear();
    this.explained.clear();
    this.kept.clear();
  }

  private drop(scope: AnswerScope): void {
    if (scope.kind === "none") return;
    // Monitors' records survive entries that cannot change them (see `answer-scope.ts`).
    if (scope.kind === "all") {
      this.dropAll(scope.records);
      return;
    }
    this.records.delete(scope.optimizer);
    if (scope.steps) {
      this.kept.delete("tree");
      this.kept.delete("list");
    }
    // The optimizer and everything in its line below it (their explanations read its record).
    const state = this.log.state;
    const todo = [scope.optimizer];
    const done = new Set<string>();
    while (todo.length > 0) {
      const name = todo.pop()!;
      if (done.has(name)) continue;
      done.add(name);
      this.explained.delete(name);
      todo.push(...(state.optimizers.get(name)?.children ?? []));
    }
  }

  private async keptExplanation(name: string): Promise<Kept<Explanation | undefined>> {
    const { state, keep: keeping } = await this.current();
    const hit = this.explained.get(name);
    if (hit !== undefined) {
      this.explained.delete(name);
      this.explained.set(name, hit);
      return hit;
    }
    const made = keep(explain(state, this.source, name, { ancestry: this.ancestry }));
    if (keeping) {
      this.explained.set(name, made);
      // A failure is not kept, nor is an unknown name: a client asking for many names must not
      // push out real ones. Nor is an answer that may have read a half-way append.
      made.value.then(
        (e) => {
          if (e === undefined || this.log.state.size !== this.log.size) this.forget(name, made);
        },
        () => this.forget(name, made),
      );
      if (this.explained.size > EXPLAIN_CACHE) this.explained.delete(this.explained.keys().next().value!);
    }
    return made;
  }

  private forget(name: string, made: Kept<Explanation | undefined>): void {
    if (this.explained.get(name) === made) this.explained.delete(name);
  }

  async explain(name: string): Promise<Explanation | undefined> {
    return (await this.keptExplanation(name)).value;
  }

  /** The explanation as JSON (what `GET /v1/optimizers/:name` sends), made once per change of what it says. */
  async explainJson(name: string): Promise<string | undefined> {
    const kept = await this.keptExplanation(name);
    return (await kept.value) === undefined ? undefined : jsonOf(kept, (e) => e);
  }

  /** The answer `name` as kept, or made from the current state (and kept when it may be). */
  private async keptAnswer<K extends keyof LogAnswers>(
    name: K,
    make: (state: ControlState) => LogAnswers[K],
  ): Promise<Kept<LogAnswers[K]>> {
    const { state, keep: keeping } = await this.current();
    const hit = this.kept.get(name) as Kept<LogAnswers[K]> | undefined;
    if (hit !== undefined) return hit;
    const made = keep<LogAnswers[K]>(Promise.resolve(make(state)));
    if (keeping) this.kept.set(name, made);
    return made;
  }

  private keptTree(): Promise<Kept<TreeNode[]>> {
    return this.keptAnswer("tree", provenanceTree);
  }

  async tree(): Promise<TreeNode[]> {
    return (await this.keptTree()).value;
  }

  /** `{ roots }` as JSON, as `GET /v1/tree` sends it. */
  async treeJson(): Promise<string> {
    return jsonOf(await this.keptTree(), (roots) => ({ roots }));
  }

  private keptQueue(): Promise<Kept<QueueItem[]>> {
    return this.keptAnswer("queue", reviewQueue);
  }

  async review(): Promise<QueueItem[]> {
    return (await this.keptQueue()).value;
  }

  /** `{ items }` as JSON, as `GET /v1/review` sends it: kept whole, made afresh for one status. */
  async reviewJson(status?: string): Promise<string> {
    const kept = await this.keptQueue();
    if (status === undefined) return jsonOf(kept, (items) => ({ items }));
    return JSON.stringify({ items: (await kept.value).filter((i) => i.status === status) });
  }

  private keptList(): Promise<Kept<OptimizerSummary[]>> {
    return this.keptAnswer("list", (state) =>
      [...state.optimizers.values()].map((o) => ({
        name: o.name,
        creator: o.creator,
        index: o.index,
        time: o.time,
        process: o.process,
        depth: o.depth,
        haltedBy: state.haltedBy(o.name),
        unapproved: o.unapproved,
        steps: o.steps,
        children: [...o.children],
      })),
    );
  }

  async optimizers(): Promise<OptimizerSummary[]> {
    return (await this.keptList()).value;
  }

  /** `{ optimizers }` as JSON, as `GET /v1/optimizers` sends it. */
  async optimizersJson(): Promise<string> {
    return jsonOf(await this.keptList(), (optimizers) => ({ optimizers }));
  }

  findings(): Promise<FindingsView> {
    return this.detectors.view();
  }

  /** Stop the background work and wait for what is under way; the log and its store stay open. */
  close(): Promise<void> {
    return this.detectors.close();
  }
}

/** The audit's detectors on a replay of their own, advanced entry by entry as the store grows. */
class FindingsModel {
  private replay: AuditReplay | undefined;
  private shadow: Log<ControlState> | undefined;
  private opening: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private memo: { size: number; verify: VerifyReport | null; value: Finding[] } | undefined;
  private verified: VerifyReport | null = null;
  private verifying: Promise<void> | undefined;
  private verifyEnded = Number.NEGATIVE_INFINITY;
  /** How long the last background verification took, in ms. */
  private verifyTook = 0;
  private closed = false;
  private readonly verifyWaitMs: number;
  private readonly reverifyMs: number;

  constructor(
    private readonly store: LedgerStore,
    private readonly options: ReadModelOptions,
  ) {
    this.verifyWaitMs = options.verifyWaitMs ?? 2000;
    this.reverifyMs = options.reverifyMs ?? 0;
  }

  start(): void {
    this.opening ??= (async () => {
      const replay = new AuditReplay({ detectors: LEDGER_DETECTORS });
      this.replay = replay;
      try {
        this.shadow = await Log.open(this.store, {
          rules: ledgerRules(),
          ...(this.options.pool ? { pool: this.options.pool } : {}),
          onRefused: replay.onRefused,
          observer: replay.observer,
        });
      } catch (err) {
        if (!(err instanceof OptprovError)) throw err;
        replay.failed(err.message);
      }
    })();
    this.opening.catch((err: unknown) => this.options.onError?.(err));
  }

  async ready(): Promise<void> {
    this.start();
    await this.opening;
  }

  schedule(): void {
    if (this.timer !== undefined || this.closed) return;
    // A short pause gathers the appends of a busy second into one pass.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.advance().catch((err: unknown) => this.options.onError?.(err));
    }, 100);
    this.timer.unref();
  }

  private async advance(): Promise<void> {
    await this.ready();
    await this.shadow?.catchUp();
  }

  async view(): Promise<FindingsView> {
    await this.advance();
    const size = this.shadow?.size ?? 0;
    await this.verifyIfStale(size);
    const verify = this.verified;
    if (this.memo === undefined || this.memo.size !== size || this.memo.verify !== verify) {
      const found = [
        ...(verify !== null ? forgeryFindings(verify) : []),
        ...this.replay!.findings(this.shadow?.state, verify?.problem?.index),
      ].sort(compareFindings);
      this.memo = { size, verify, value: found };
    }
    return {
      size,
      verify,
      verifying: this.verifying !== undefined,
      detectorsRun: ["forgery", ...this.replay!.detectorsRun],
      findings: this.memo.value,
    };
  }

  /** The least time from the end of one background verification to the start of the next. */
  private restAfterVerify(): number {
    const share = this.options.verifyShare ?? 0.1;
    const from = this.options.verifyShareFromMs ?? 1000;
    const rest = share > 0 && this.verifyTook >= from ? this.verifyTook * (1 / share - 1) : 0;
    return Math.max(this.reverifyMs, rest);
  }

  /** Start a verification when the last one is older than the log (and old enough), then wait a little for it. */
  private async verifyIfStale(size: number): Promise<void> {
    const stale = this.verified === null || this.verified.entries < size;
    if (
      stale &&
      this.verifying === undefined &&
      !this.closed &&
      performance.now() - this.verifyEnded >= this.restAfterVerify()
    ) {
      const run = (async () => {
        const started = performance.now();
        try {
          const report = await verifyLedger(this.store, this.options.pool ? { pool: this.options.pool } : {});
          // The verifier reads a still store: entries, nodes and checkpoints appended while it ran
          // look like extra nodes or a checkpoint beyond the log. Such a run says nothing; the next one decides.
          const raced =
            (report.problem?.code === "NODE_EXTRA" || report.problem?.code === "CHECKPOINT_BEYOND_LOG") &&
            (await this.store.size()) !== report.entries;
          if (!raced) this.verified = report;
        } catch (err) {
          this.options.onError?.(err);
        } finally {
          this.verifyEnded = performance.now();
          this.verifyTook = this.verifyEnded - started;
          this.verifying = undefined;
        }
      })();
      this.verifying = run;
    }
    if (this.verifying !== undefined && this.verifyWaitMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.verifying,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, this.verifyWaitMs);
        }),
      ]);
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.opening?.catch(() => undefined);
    await this.shadow?.settle();
    await this.verifying;
  }
}
