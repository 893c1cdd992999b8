/**
 * One pass over a ledger that collects what the ledger-level detectors read: every optimizer's
 * step batches (parameters, queries, metrics), observations, and change entries.
 */
import { ControlState } from "../../control/state.js";
import { openEntry } from "../../ledger/entry.js";
import type { Predicate } from "../../ledger/statement.js";
import type { LedgerStore } from "../../store/store.js";

export interface BatchRecord {
  readonly index: number;
  readonly actor: string;
  readonly firstStep: number;
  readonly steps: Predicate<"step-batch">["steps"];
  readonly params: Predicate<"step-batch">["params"];
  readonly queries: NonNullable<Predicate<"step-batch">["queries"]>;
}

export interface LedgerScan {
  readonly state: ControlState;
  readonly batches: readonly BatchRecord[];
  readonly observations: readonly { readonly index: number; readonly p: Predicate<"observation"> }[];
  readonly artifacts: readonly { readonly index: number; readonly p: Predicate<"artifact"> }[];
}

/** Read the whole ledger once. Memory grows with step batches, so audits of huge ledgers should stream. */
export async function scanLedger(store: LedgerStore): Promise<LedgerScan> {
  const state = new ControlState();
  const batches: BatchRecord[] = [];
  const observations: LedgerScan["observations"][number][] = [];
  const artifacts: LedgerScan["artifacts"][number][] = [];
  for await (const chunk of store.entries(0, await store.size())) {
    for (const e of chunk) {
      const { statement } = openEntry(e.envelope);
      state.apply(e.index, statement);
      const p = statement.predicate;
      if (statement.kind === "step-batch") {
        const b = p as Predicate<"step-batch">;
        batches.push({
          index: e.index,
          actor: b.actor,
          firstStep: b.firstStep,
          steps: b.steps,
          params: b.params,
          queries: b.queries ?? [],
        });
      } else if (statement.kind === "observation") {
        observations.push({ index: e.index, p: p as Predicate<"observation"> });
      } else if (statement.kind === "artifact")
        artifacts.push({ index: e.index, p: p as Predicate<"artifact"> });
    }
  }
  return { state, batches, observations, artifacts };
}
