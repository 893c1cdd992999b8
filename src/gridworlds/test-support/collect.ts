/**
 * For tests: everything a gridworld test reads back from a ledger, collected in one replay (the
 * audit's own streaming pass keeps none of this; tests of small ledgers may).
 */
import type { ControlState } from "../../control/state.js";
import type { Predicate } from "../../ledger/statement.js";
import type { LedgerStore } from "../../ledger/store.js";
import { stepRows } from "../../oversight/detectors/ledger-detector.js";
import { replayLedger } from "../../oversight/read-ledger.js";

export interface Collected {
  readonly state: ControlState;
  readonly batches: readonly {
    readonly index: number;
    readonly actor: string;
    readonly rows: readonly { readonly step: number; readonly metrics: Readonly<Record<string, number>> }[];
  }[];
  readonly observations: readonly { readonly index: number; readonly p: Predicate<"observation"> }[];
  /** Each optimizer's recorded spec, by name. */
  readonly specs: ReadonlyMap<string, unknown>;
}

export async function collectLedger(store: LedgerStore): Promise<Collected> {
  const batches: Collected["batches"][number][] = [];
  const observations: Collected["observations"][number][] = [];
  const specs = new Map<string, unknown>();
  let state: ControlState | undefined;
  await replayLedger(store, (index, s, now) => {
    state = now;
    if (s.kind === "step-batch")
      batches.push({ index, actor: s.predicate.actor, rows: [...stepRows(s.predicate)] });
    else if (s.kind === "observation") observations.push({ index, p: s.predicate });
    else if (s.kind === "optimizer") specs.set(s.predicate.optimizer.name, s.predicate.optimizer.spec);
  });
  return { state: state!, batches, observations, specs };
}
