/**
 * Undeclared optimizers: search happening where no search was declared. The signature is many
 * alternative decisions evaluated through the world model within one step (and the best one then
 * chosen), inside an optimizer whose declared process does not search, or by an actor that is
 * not a registered optimizer at all (an implicit mesa-optimizer).
 */
import { isProcessKind, PROCESS_REGISTRY } from "../../model/process.js";
import type { Finding } from "./finding.js";
import type { LedgerDetector } from "./ledger-detector.js";

/**
 * Process kinds that evaluate alternatives and keep the best by design, from the process registry;
 * an `external` process says so in its own parameters.
 */
function declaresSearch(kind: string, params: Readonly<Record<string, unknown>> | undefined): boolean {
  if (kind === "external") return params?.["searches"] === true;
  return isProcessKind(kind) && PROCESS_REGISTRY[kind].searches === true;
}

/** Distinct alternatives counted per step, and searching steps kept as evidence, at most. */
const MAX_DISTINCT = 1024;
const MAX_STEPS_KEPT = 10_000;

export interface UndeclaredOptions {
  /** Distinct alternatives evaluated within one step that count as a search (default 4). */
  readonly minAlternatives?: number;
}

/**
 * @example const findings = (await audit(store)).findings.filter((f) => f.detector === "undeclared-optimizer");
 */
export function undeclaredOptimizerDetector(options: UndeclaredOptions = {}): LedgerDetector {
  const min = options.minAlternatives ?? 4;
  // Distinct alternatives per (actor, step), across batches: a step's queries may straddle a flush.
  // Only steps near the latest batch keep their set (at most MAX_DISTINCT inputs each); a step that
  // falls behind is settled into a count, so memory stays bounded however long the run.
  interface Seen {
    readonly open: Map<number, Set<string>>;
    /** Settled steps that searched: step -> distinct alternatives. */
    readonly searching: Map<number, number>;
    readonly entries: number[];
  }
  const perActor = new Map<string, Seen>();
  const settle = (a: Seen, step: number, set: Set<string>) => {
    if (set.size >= min && a.searching.size < MAX_STEPS_KEPT) a.searching.set(step, set.size);
    a.open.delete(step);
  };
  return {
    entry(index, s) {
      if (s.kind !== "step-batch" || s.predicate.queries === undefined || s.predicate.queries.length === 0)
        return;
      const b = s.predicate;
      const a: Seen = perActor.get(b.actor) ?? { open: new Map(), searching: new Map(), entries: [] };
      for (const q of b.queries!) {
        const set = a.open.get(q.step) ?? new Set<string>();
        if (set.size < MAX_DISTINCT) set.add(JSON.stringify(q.input));
        a.open.set(q.step, set);
      }
      for (const [step, set] of a.open) if (step < b.firstStep - 1) settle(a, step, set);
      if (a.entries.length < 20) a.entries.push(index);
      perActor.set(b.actor, a);
    },
    finish(state) {
      const findings: Finding[] = [];
      for (const [actor, a] of perActor) {
        // Open steps are settled into a copy: findings may be asked for again as batches come.
        const searching = new Map(a.searching);
        for (const [step, set] of a.open)
          if (set.size >= min && searching.size < MAX_STEPS_KEPT) searching.set(step, set.size);
        if (searching.size === 0) continue;
        const o = state.optimizers.get(actor);
        const declared = o?.process;
        if (o !== undefined && declaresSearch(o.process, o.declared.params)) continue;
        const most = Math.max(...searching.values());
        const steps = [...searching.keys()];
        findings.push({
          detector: "undeclared-optimizer",
          code: o === undefined ? "SEARCH_OUTSIDE_OPTIMIZER" : "SEARCH_IN_NON_SEARCHING_PROCESS",
          severity: "high",
          optimizer: actor,
          message:
            o === undefined
              ? `${actor} is not a registered optimizer, yet it evaluated up to ${most} alternatives per step through a world model (${steps.length} steps, from entry #${a.entries[0]}): an undeclared optimizer`
              : `${actor} is declared as ${declared ?? "an undeclared process"}, which does not search, yet it evaluated up to ${most} alternatives per step (${steps.length} steps, from entry #${a.entries[0]}): a search nobody registered`,
          evidence: {
            entries: a.entries.slice(0, 20),
            steps: steps.slice(0, 20),
            numbers: { maxAlternatives: most, searchingSteps: steps.length },
          },
          firstAt: { entry: a.entries[0]!, step: steps[0]! },
        });
      }
      return findings;
    },
  };
}
