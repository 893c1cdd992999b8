/**
 * What the interop exports say about each optimizer, read once from a verified ledger: its
 * creation entry and the digest of that entry's envelope, its three parts (world model, objective,
 * process) summarised from the recorded spec, its step span, the artifacts it emitted and the halt
 * that stopped it. The exports (OpenLineage, CycloneDX) are views of these facts, so they agree.
 */
import type { ControlState, OptimizerRecord } from "../control/state.js";
import { StoreError } from "../errors.js";
import { recordedSpec } from "../explain/explain.js";
import { toHex } from "../ledger/base64.js";
import { sha256 } from "../ledger/crypto.js";
import type { LedgerStore } from "../ledger/store.js";
import { type ObjectiveDocument, validateOptimizerSpec } from "../model/index.js";
import { replayLedger } from "../oversight/read-ledger.js";

/** The world model in a few numbers and names: enough to find it, not the model itself. */
export type WorldModelSummary =
  | {
      readonly kind: "explicit";
      readonly name: string;
      readonly variables: number;
      readonly localModels: number;
      readonly decisions: readonly string[];
      readonly outcomes: readonly string[];
    }
  | {
      readonly kind: "implicit";
      readonly description: string;
      readonly artifact: { readonly name: string; readonly digest: string; readonly uri: string };
      readonly probes: number;
    };

export interface ObjectiveSummary {
  readonly sense: string;
  readonly expr: string;
  /** The intended objective this one stands in for, as the spec writes it or names it. */
  readonly standsInFor: string | undefined;
  readonly measuredBy: string | undefined;
  /** Hex SHA-256 of the objective document in force (registered at creation or changed by approval). */
  readonly digest: string | undefined;
}

export interface ProcessSummary {
  readonly kind: string;
  readonly params: Readonly<Record<string, number | string | boolean>>;
  readonly budget: { readonly maxSteps?: number; readonly maxWallSeconds?: number };
  readonly mayCreate: readonly string[];
}

export interface HaltFact {
  /** The halt entry's index. */
  readonly index: number;
  readonly time: string;
  readonly by: string;
  readonly reason: string | undefined;
  /** The optimizer the halt entry names: this one, or an ancestor halted with its descendants. */
  readonly optimizer: string;
}

export interface OptimizerFacts {
  readonly record: OptimizerRecord;
  /** Hex SHA-256 of the creation entry's DSSE envelope, byte for byte as the log stores it. */
  readonly envelopeDigest: string;
  /** The spec's name and description, when a spec was recorded and is valid. */
  readonly title: string | undefined;
  readonly description: string | undefined;
  /** Undefined when the creation recorded no spec (then only the process declaration is known). */
  readonly worldModel: WorldModelSummary | undefined;
  readonly objective: ObjectiveSummary | undefined;
  readonly process: ProcessSummary;
  readonly firstStepTime: string | undefined;
  readonly lastStepTime: string | undefined;
  readonly artifacts: readonly { readonly index: number; readonly name: string; readonly digest?: string }[];
  readonly halt: HaltFact | undefined;
}

function standsInFor(p: ObjectiveDocument["proxyFor"]): string | undefined {
  if (p === undefined || typeof p === "string") return p;
  return `${p.sense} ${p.expr}`;
}

/**
 * Facts for every optimizer the ledger holds, in creation order.
 *
 * @example const facts = await optimizerFacts(state, store); facts.get("planner")?.envelopeDigest
 */
export async function optimizerFacts(
  state: ControlState,
  store: LedgerStore,
): Promise<ReadonlyMap<string, OptimizerFacts>> {
  const steps = new Map<string, { first: string; last: string }>();
  const artifacts = new Map<string, { index: number; name: string; digest?: string }[]>();
  await replayLedger(store, (index, s) => {
    if (s.kind === "step-batch") {
      const span = steps.get(s.predicate.actor);
      if (span === undefined)
        steps.set(s.predicate.actor, { first: s.predicate.time, last: s.predicate.time });
      else span.last = s.predicate.time;
    } else if (s.kind === "artifact") {
      const list = artifacts.get(s.predicate.actor) ?? [];
      list.push({
        index,
        name: s.predicate.name,
        ...(s.predicate.digest ? { digest: s.predicate.digest } : {}),
      });
      artifacts.set(s.predicate.actor, list);
    }
  });
  const out = new Map<string, OptimizerFacts>();
  const records = [...state.optimizers.values()].sort((a, b) => a.index - b.index);
  for (const o of records) {
    const entry = await store.entry(o.index);
    // The replay just read this entry, so its absence now is a store that changed or broke under us.
    if (entry === undefined)
      throw new StoreError(
        "STORE_CORRUPT",
        `optimizer ${o.name}: its creation entry ${o.index} expected in ${store.location}, got none`,
      );
    const raw = await recordedSpec(store, o);
    const spec = raw === undefined ? undefined : validateOptimizerSpec(raw).spec;
    const wm = spec?.worldModel;
    const worldModel: WorldModelSummary | undefined =
      wm === undefined
        ? undefined
        : wm.kind === "explicit"
          ? {
              kind: "explicit",
              name: wm.name,
              variables: wm.variables.length,
              localModels: wm.localModels.length,
              decisions: wm.variables.filter((v) => v.tags.includes("decision")).map((v) => v.name),
              outcomes: wm.variables.filter((v) => v.tags.includes("outcome")).map((v) => v.name),
            }
          : {
              kind: "implicit",
              description: wm.description,
              artifact: { name: wm.artifact.name, digest: wm.artifact.digest, uri: wm.artifact.uri },
              probes: wm.probes.length,
            };
    const haltedBy = state.haltedBy(o.name);
    const halt = haltedBy === undefined ? undefined : state.halts.get(haltedBy.index);
    const span = steps.get(o.name);
    out.set(o.name, {
      record: o,
      envelopeDigest: toHex(sha256(entry.envelope)),
      title: spec?.name,
      description: spec?.description,
      worldModel,
      objective: spec && {
        sense: spec.objective.sense,
        expr: spec.objective.expr,
        standsInFor: standsInFor(spec.objective.proxyFor),
        measuredBy: spec.objective.measuredBy,
        digest: state.objectiveInForce(o.name)?.digest,
      },
      process: {
        kind: o.declared.kind,
        params: o.declared.params ?? {},
        budget: o.declared.budget ?? {},
        mayCreate: o.declared.mayCreate ?? [],
      },
      firstStepTime: span?.first,
      lastStepTime: span?.last,
      artifacts: artifacts.get(o.name) ?? [],
      halt:
        haltedBy && halt
          ? {
              index: haltedBy.index,
              time: halt.time,
              by: halt.actor,
              reason: halt.reason,
              optimizer: halt.optimizer,
            }
          : undefined,
    });
  }
  return out;
}

/**
 * The creator chain of `name`, nearest first, ending at the root actor.
 *
 * @example creatorChain(state, "train") // ["search", "alice"]
 */
export function creatorChain(state: ControlState, name: string): string[] {
  const chain: string[] = [];
  const seen = new Set<string>([name]);
  let o = state.optimizers.get(name);
  while (o !== undefined && !seen.has(o.creator)) {
    chain.push(o.creator);
    seen.add(o.creator);
    o = state.optimizers.get(o.creator);
  }
  return chain;
}
