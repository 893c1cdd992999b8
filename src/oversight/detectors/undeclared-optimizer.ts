/**
 * Undeclared optimizers: search happening where no search was declared. The signature is many
 * alternative decisions evaluated through the world model within one step (and the best one then
 * chosen), inside an optimizer whose declared process does not search, or by an actor that is
 * not a registered optimizer at all (an implicit mesa-optimizer).
 */
import { isProcessKind, PROCESS_REGISTRY } from "../../model/process.js";
import type { Finding } from "./finding.js";
import type { LedgerScan } from "./ledger-scan.js";

/**
 * Process kinds that evaluate alternatives and keep the best by design, from the process registry;
 * an `external` process says so in its own parameters.
 */
function declaresSearch(kind: string, spec: unknown): boolean {
  if (kind === "external")
    return (
      (spec as { process?: { params?: { searches?: unknown } } } | undefined)?.process?.params?.searches ===
      true
    );
  return isProcessKind(kind) && PROCESS_REGISTRY[kind].searches === true;
}

export interface UndeclaredOptions {
  /** Distinct alternatives evaluated within one step that count as a search (default 4). */
  readonly minAlternatives?: number;
}

/**
 * @example detectUndeclaredOptimizers(await scanLedger(store)).forEach((f) => console.log(f.message));
 */
export function detectUndeclaredOptimizers(scan: LedgerScan, options: UndeclaredOptions = {}): Finding[] {
  const min = options.minAlternatives ?? 4;
  const findings: Finding[] = [];
  // Distinct alternatives per (actor, step), across batches: a step's queries may straddle a flush.
  const perActor = new Map<string, { steps: Map<number, Set<string>>; entries: Set<number> }>();
  for (const b of scan.batches) {
    if (b.queries.length === 0) continue;
    const a = perActor.get(b.actor) ?? { steps: new Map(), entries: new Set() };
    for (const q of b.queries) {
      const set = a.steps.get(q.step) ?? new Set<string>();
      set.add(JSON.stringify(q.input));
      a.steps.set(q.step, set);
    }
    a.entries.add(b.index);
    perActor.set(b.actor, a);
  }
  for (const [actor, a] of perActor) {
    const searches = [...a.steps.entries()].filter(([, s]) => s.size >= min);
    if (searches.length === 0) continue;
    const o = scan.state.optimizers.get(actor);
    const declared = o?.process;
    if (o !== undefined && declared !== undefined && declaresSearch(declared, o.spec)) continue;
    const most = Math.max(...searches.map(([, s]) => s.size));
    const steps = searches.map(([step]) => step);
    const entries = [...a.entries];
    findings.push({
      detector: "undeclared-optimizer",
      code: o === undefined ? "SEARCH_OUTSIDE_OPTIMIZER" : "SEARCH_IN_NON_SEARCHING_PROCESS",
      severity: "high",
      optimizer: actor,
      message:
        o === undefined
          ? `${actor} is not a registered optimizer, yet it evaluated up to ${most} alternatives per step through a world model (${searches.length} steps, from entry #${entries[0]}): an undeclared optimizer`
          : `${actor} is declared as ${declared ?? "an undeclared process"}, which does not search, yet it evaluated up to ${most} alternatives per step (${searches.length} steps, from entry #${entries[0]}): a search nobody registered`,
      evidence: {
        entries: entries.slice(0, 20),
        steps: steps.slice(0, 20),
        numbers: { maxAlternatives: most, searchingSteps: searches.length },
      },
      firstAt: { entry: entries[0]!, step: steps[0]! },
    });
  }
  return findings;
}
