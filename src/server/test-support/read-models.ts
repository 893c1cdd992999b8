/** Checks shared by the read-model tests: what `ReadModels` answers against a full replay of the store. */
import { expect } from "vitest";
import type { ControlState } from "../../control/state.js";
import { explain } from "../../explain/explain.js";
import { provenanceTree } from "../../explain/tree.js";
import { Log } from "../../ledger/log.js";
import { audit } from "../../oversight/audit.js";
import { ledgerRules } from "../../oversight/gate-detectors.js";
import { readLedger } from "../../oversight/read-ledger.js";
import { reviewQueue } from "../../oversight/review-queue.js";
import { SqliteStore } from "../../store/sqlite/sqlite-store.js";
import { ReadModels } from "../read-models.js";

/** Every name the ledger explains: optimizers and root actors. */
export function names(state: ControlState): string[] {
  return [...state.optimizers.keys(), ...state.actors.keys()];
}

/**
 * What a full replay of `file` says, and that `reads` says the same: every explanation, the tree,
 * the queue, the optimizer list and the audit's findings. Returns the replay's size.
 */
export async function expectSameAsReplay(reads: ReadModels, file: string): Promise<number> {
  const store = SqliteStore.open(file, { readonly: true });
  try {
    const { state } = await readLedger(store);
    expect(names(state).length).toBeGreaterThan(0);
    // The JSON the HTTP API sends is kept beside each answer: it must say the same.
    const asSent = (json: string | undefined) => (json === undefined ? undefined : JSON.parse(json));
    const asJson = (value: unknown) => JSON.parse(JSON.stringify(value));
    for (const name of names(state)) {
      const replayed = await explain(state, store, name);
      expect(await reads.explain(name), name).toEqual(replayed);
      expect(asSent(await reads.explainJson(name)), name).toEqual(asJson(replayed));
    }
    expect(await reads.explain("nobody")).toBeUndefined();
    expect(await reads.explainJson("nobody")).toBeUndefined();
    expect(await reads.tree()).toEqual(provenanceTree(state));
    expect(asSent(await reads.treeJson())).toEqual(asJson({ roots: provenanceTree(state) }));
    expect(await reads.review()).toEqual(reviewQueue(state));
    expect(asSent(await reads.reviewJson())).toEqual(asJson({ items: reviewQueue(state) }));
    expect(asSent(await reads.reviewJson("pending"))).toEqual(
      asJson({ items: reviewQueue(state).filter((i) => i.status === "pending") }),
    );
    const list = await reads.optimizers();
    expect(asSent(await reads.optimizersJson())).toEqual(asJson({ optimizers: list }));
    expect(list.map((o) => [o.name, o.steps, o.haltedBy])).toEqual(
      [...state.optimizers.values()].map((o) => [o.name, o.steps, state.haltedBy(o.name)]),
    );
    const full = await audit(store);
    const view = await reads.findings();
    expect(view.size).toBe(state.size);
    expect(view.verify).toEqual(full.verify);
    expect(view.detectorsRun).toEqual(full.detectorsRun);
    expect(view.findings).toEqual(full.findings);
    return state.size;
  } finally {
    await store.close();
  }
}

export async function openReads(file: string): Promise<{ log: Log<ControlState>; reads: ReadModels }> {
  const log = await Log.open(SqliteStore.open(file), { rules: ledgerRules() });
  // A long wait: the comparison wants the verification done, as `audit` does it.
  const reads = new ReadModels(log, { verifyWaitMs: 60_000, reverifyMs: 0 });
  reads.start();
  await reads.ready();
  return { log, reads };
}
