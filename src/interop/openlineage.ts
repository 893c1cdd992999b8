/**
 * OpenLineage (https://openlineage.io/spec/2-0-2/OpenLineage.json) RunEvents for a ledger: one run
 * per optimizer, its job named by the ledger's origin (namespace) and the optimizer's name.
 *
 * Each run has a START event at its creation and, where the ledger says how it stands, one more:
 * ABORT at the halt that stopped it (its own or an ancestor's), COMPLETE at its last step batch
 * once its steps reached the declared `maxSteps`, else RUNNING at its last step batch. The ledger
 * records no failure, so no FAIL event is derived. The parent run facet points at the creator's
 * run when the creator is an optimizer (and at the top optimizer of the chain as the root); the
 * custom `optprov_optimizer` facet carries the three parts, the creator, the creation entry's index
 * and its envelope's digest, so a lineage tool can go back to the signed entry.
 *
 * Run ids are UUIDv8 (RFC 9562 §5.8) made from the creation envelope's SHA-256: the same ledger
 * exports the same ids every time, so a consumer can receive the events twice without duplicates.
 */
import type { ControlState } from "../control/state.js";
import type { LedgerStore } from "../ledger/store.js";
import { creatorChain, type OptimizerFacts, optimizerFacts } from "./optimizer-facts.js";

export const OPENLINEAGE_SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
export const PARENT_FACET_SCHEMA_URL =
  "https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet";
/** The custom facet's schema; its text is `openlineage-optimizer-facet.schema.json` beside this file. */
export const OPTIMIZER_FACET_SCHEMA_URL =
  "https://optprov.dev/spec/facets/1-0-0/OptprovOptimizerRunFacet.json#/$defs/OptprovOptimizerRunFacet";
export const OPTPROV_PRODUCER = "https://optprov.dev/optprov";

export type RunEventType = "START" | "RUNNING" | "COMPLETE" | "ABORT";

interface BaseFacet {
  readonly _producer: string;
  readonly _schemaURL: string;
}

export interface ParentRunFacet extends BaseFacet {
  readonly run: { readonly runId: string };
  readonly job: { readonly namespace: string; readonly name: string };
  readonly root?: {
    readonly run: { readonly runId: string };
    readonly job: { readonly namespace: string; readonly name: string };
  };
}

export interface OptimizerRunFacet extends BaseFacet {
  readonly name: string;
  readonly title?: string;
  readonly creator: { readonly name: string; readonly kind: "optimizer" | "actor" };
  readonly entry: { readonly index: number; readonly envelopeSha256: string; readonly time: string };
  readonly worldModel?: OptimizerFacts["worldModel"];
  readonly objective?: OptimizerFacts["objective"];
  readonly process: OptimizerFacts["process"];
  readonly gate: string;
  readonly unapproved: boolean;
  readonly steps: number;
  readonly halt?: OptimizerFacts["halt"];
}

export interface RunEvent {
  readonly eventType: RunEventType;
  readonly eventTime: string;
  readonly producer: string;
  readonly schemaURL: string;
  readonly run: {
    readonly runId: string;
    readonly facets: { readonly parent?: ParentRunFacet; readonly optprov_optimizer: OptimizerRunFacet };
  };
  readonly job: { readonly namespace: string; readonly name: string };
  readonly inputs: readonly { readonly namespace: string; readonly name: string }[];
  readonly outputs: readonly { readonly namespace: string; readonly name: string }[];
}

export interface OpenLineageOptions {
  /** The job namespace (default: the ledger's origin). */
  readonly namespace?: string;
  /** The producer URI stamped on events and facets (default: optprov's). */
  readonly producer?: string;
  /** Export only this optimizer's events. */
  readonly optimizer?: string;
}

/**
 * A deterministic UUIDv8 from a hex SHA-256: its first 128 bits with the version and variant set.
 *
 * @example runIdFor("ab".repeat(32)) // "abababab-abab-8bab-abab-abababababab"
 */
export function runIdFor(hexDigest: string): string {
  const h = hexDigest.slice(0, 32).split("");
  h[12] = "8";
  h[16] = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = h.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

/**
 * The RunEvents of every optimizer in the ledger (or of one), in ledger order, START first.
 *
 * @example for (const e of await toOpenLineage(state, store, { origin })) await post(e);
 */
export async function toOpenLineage(
  state: ControlState,
  store: LedgerStore,
  options: OpenLineageOptions & { readonly origin: string },
): Promise<RunEvent[]> {
  const facts = await optimizerFacts(state, store);
  const namespace = options.namespace ?? options.origin;
  const producer = options.producer ?? OPTPROV_PRODUCER;
  const job = (name: string) => ({ namespace, name });
  const runId = (name: string) => {
    const f = facts.get(name);
    return f === undefined ? undefined : runIdFor(f.envelopeDigest);
  };
  const events: { index: number; event: RunEvent }[] = [];
  for (const f of facts.values()) {
    const o = f.record;
    if (options.optimizer !== undefined && o.name !== options.optimizer) continue;
    const parentId = runId(o.creator);
    const top = [o.creator, ...creatorChain(state, o.creator)].filter((n) => state.optimizers.has(n)).at(-1);
    const parent: ParentRunFacet | undefined =
      parentId === undefined
        ? undefined
        : {
            _producer: producer,
            _schemaURL: PARENT_FACET_SCHEMA_URL,
            run: { runId: parentId },
            job: job(o.creator),
            ...(top !== undefined ? { root: { run: { runId: runId(top)! }, job: job(top) } } : {}),
          };
    const facet: OptimizerRunFacet = {
      _producer: producer,
      _schemaURL: OPTIMIZER_FACET_SCHEMA_URL,
      name: o.name,
      ...(f.title !== undefined ? { title: f.title } : {}),
      creator: { name: o.creator, kind: state.optimizers.has(o.creator) ? "optimizer" : "actor" },
      entry: { index: o.index, envelopeSha256: f.envelopeDigest, time: o.time },
      ...(f.worldModel ? { worldModel: f.worldModel } : {}),
      ...(f.objective ? { objective: withoutUndefined(f.objective) } : {}),
      process: f.process,
      gate: o.gate?.outcome ?? "none",
      unapproved: o.unapproved,
      steps: o.steps,
      ...(f.halt ? { halt: withoutUndefined(f.halt) } : {}),
    };
    const make = (eventType: RunEventType, eventTime: string, outputs: RunEvent["outputs"]): RunEvent => ({
      eventType,
      eventTime,
      producer,
      schemaURL: OPENLINEAGE_SCHEMA_URL,
      run: {
        runId: runIdFor(f.envelopeDigest),
        facets: { ...(parent ? { parent } : {}), optprov_optimizer: facet },
      },
      job: job(o.name),
      inputs: [],
      outputs,
    });
    events.push({ index: o.index, event: make("START", o.time, []) });
    const outputs = f.artifacts.map((a) => ({ namespace, name: `${o.name}/${a.name}#${a.index}` }));
    const maxSteps = f.process.budget.maxSteps;
    if (f.halt !== undefined)
      events.push({ index: f.halt.index, event: make("ABORT", f.halt.time, outputs) });
    else if (f.lastStepTime !== undefined) {
      const done = maxSteps !== undefined && o.steps >= maxSteps;
      events.push({
        index: o.lastStepIndex ?? o.index,
        event: make(done ? "COMPLETE" : "RUNNING", f.lastStepTime, outputs),
      });
    }
  }
  // Ledger order: a consumer replaying the events sees each run's START before anything after it.
  return events.sort((a, b) => a.index - b.index).map((e) => e.event);
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
