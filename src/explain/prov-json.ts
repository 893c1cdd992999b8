/**
 * W3C PROV-JSON (https://www.w3.org/submissions/prov-json/) export of a ledger's provenance:
 * root actors and optimizers as agents, optimizers (their specs) and artifacts as entities, runs,
 * creations and reviews as activities, linked by wasGeneratedBy, wasAssociatedWith,
 * actedOnBehalfOf, wasDerivedFrom and used.
 */
import type { ControlState } from "../control/state.js";
import type { Predicate } from "../ledger/statement.js";
import type { LedgerStore } from "../ledger/store.js";
import { replayLedger } from "../oversight/read-ledger.js";

type Attrs = Record<string, unknown>;

export interface ProvDocument {
  prefix: Record<string, string>;
  agent: Record<string, Attrs>;
  entity: Record<string, Attrs>;
  activity: Record<string, Attrs>;
  wasGeneratedBy: Record<string, Attrs>;
  wasAssociatedWith: Record<string, Attrs>;
  actedOnBehalfOf: Record<string, Attrs>;
  wasDerivedFrom: Record<string, Attrs>;
  used: Record<string, Attrs>;
}

const NS = "https://optprov.dev/ns#";
// PROV-JSON qualified names: prefix:local; local parts must not contain spaces or '/'-ambiguities we avoid by encoding.
const q = (kind: string, name: string) => `optprov:${kind}-${encodeURIComponent(name)}`;

/**
 * Build the PROV-JSON document for everything the ledger records.
 *
 * @example fs.writeFileSync("prov.json", JSON.stringify(await toProvJson(state, store), null, 2));
 */
export async function toProvJson(state: ControlState, store: LedgerStore): Promise<ProvDocument> {
  const doc: ProvDocument = {
    prefix: { optprov: NS, entry: "https://optprov.dev/entry/" },
    agent: {},
    entity: {},
    activity: {},
    wasGeneratedBy: {},
    wasAssociatedWith: {},
    actedOnBehalfOf: {},
    wasDerivedFrom: {},
    used: {},
  };
  let n = 0;
  const rel = (kind: keyof Omit<ProvDocument, "prefix" | "agent" | "entity" | "activity">, attrs: Attrs) => {
    doc[kind][`_:${kind}${n++}`] = attrs;
  };
  const run = (name: string) => q("run", name);

  for (const a of state.actors.values()) {
    const type =
      a.role === "organisation"
        ? "prov:Organization"
        : a.role === "system"
          ? "prov:SoftwareAgent"
          : "prov:Person";
    doc.agent[q("agent", a.name)] = {
      "prov:type": type,
      "prov:label": a.name,
      "optprov:role": a.role,
      "optprov:key": a.key,
      "optprov:entry": a.index,
    };
  }
  // Runs: one activity per optimizer, spanning its step batches.
  const span = new Map<string, { start?: string; end?: string }>();
  const artifacts: { index: number; p: Predicate<"artifact"> }[] = [];
  // The same replay as every other reader: entries that break the log's rules are left out.
  await replayLedger(store, (index, s) => {
    if (s.kind === "step-batch") {
      const run = span.get(s.predicate.actor) ?? {};
      run.start ??= s.predicate.time;
      run.end = s.predicate.time;
      span.set(s.predicate.actor, run);
    } else if (s.kind === "artifact") artifacts.push({ index, p: s.predicate });
  });
  for (const o of state.optimizers.values()) {
    const agent = q("agent", o.name);
    const entity = q("optimizer", o.name);
    const creatorAgent = q("agent", o.creator);
    doc.agent[agent] = {
      "prov:type": "prov:SoftwareAgent",
      "prov:label": o.name,
      "optprov:process": o.process ?? "undeclared",
      "optprov:key": o.key,
    };
    doc.entity[entity] = {
      "prov:type": "optprov:Optimizer",
      "prov:label": `${o.name} (${o.process ?? "process not declared"})`,
      "optprov:entry": o.index,
      ...(o.specDigest ? { "optprov:specDigest": o.specDigest } : {}),
      "optprov:unapproved": o.unapproved,
      "optprov:gate": o.gate?.outcome ?? "none",
    };
    const creation = q("creation", o.name);
    doc.activity[creation] = {
      "prov:type": "optprov:Creation",
      "prov:startTime": o.time,
      "prov:endTime": o.time,
      "optprov:entry": o.index,
    };
    rel("wasAssociatedWith", { "prov:activity": creation, "prov:agent": creatorAgent });
    rel("wasGeneratedBy", { "prov:entity": entity, "prov:activity": creation, "prov:time": o.time });
    rel("actedOnBehalfOf", {
      "prov:delegate": agent,
      "prov:responsible": creatorAgent,
      "prov:activity": creation,
    });
    const parentEntity = state.optimizers.has(o.creator) ? q("optimizer", o.creator) : undefined;
    if (parentEntity) {
      rel("wasDerivedFrom", {
        "prov:generatedEntity": entity,
        "prov:usedEntity": parentEntity,
        "prov:activity": creation,
      });
      if (doc.activity[run(o.creator)] === undefined)
        doc.activity[run(o.creator)] = { "prov:type": "optprov:Run" };
      rel("used", { "prov:activity": creation, "prov:entity": parentEntity });
    }
    if (o.request !== undefined) {
      const r = state.requests.get(o.request);
      for (const a of r?.approvals ?? []) {
        const review = q("review", String(a.index));
        doc.activity[review] = {
          "prov:type": "optprov:Review",
          "prov:startTime": a.time,
          "optprov:decision": a.decision,
          "optprov:entry": a.index,
        };
        rel("wasAssociatedWith", { "prov:activity": review, "prov:agent": q("agent", a.by) });
        rel("used", { "prov:activity": creation, "prov:entity": q("review-record", String(a.index)) });
        doc.entity[q("review-record", String(a.index))] = {
          "prov:type": "optprov:Approval",
          "optprov:decision": a.decision,
        };
        rel("wasGeneratedBy", {
          "prov:entity": q("review-record", String(a.index)),
          "prov:activity": review,
          "prov:time": a.time,
        });
      }
    }
    const s = span.get(o.name);
    const runId = run(o.name);
    doc.activity[runId] = {
      ...(doc.activity[runId] ?? {}),
      "prov:type": "optprov:Run",
      "optprov:steps": o.steps,
      ...(s?.start ? { "prov:startTime": s.start, "prov:endTime": s.end } : {}),
    };
    rel("wasAssociatedWith", { "prov:activity": runId, "prov:agent": agent });
    rel("used", { "prov:activity": runId, "prov:entity": entity });
  }
  for (const { index, p } of artifacts) {
    const id = q("artifact", `${index}`);
    doc.entity[id] = {
      "prov:type": "optprov:Artifact",
      "prov:label": p.name,
      "optprov:entry": index,
      ...(p.digest ? { "optprov:digest": p.digest } : {}),
    };
    const runId = run(p.actor);
    doc.activity[runId] ??= { "prov:type": "optprov:Run" };
    rel("wasGeneratedBy", { "prov:entity": id, "prov:activity": runId, "prov:time": p.time });
    if (state.optimizers.has(p.actor))
      rel("wasDerivedFrom", {
        "prov:generatedEntity": id,
        "prov:usedEntity": q("optimizer", p.actor),
        "prov:activity": runId,
      });
  }
  return doc;
}
