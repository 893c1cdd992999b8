/**
 * W3C PROV-JSON (https://www.w3.org/submissions/prov-json/) export of a ledger's provenance:
 * root actors and optimizers as agents, optimizers and artifacts as entities, runs, creations and
 * reviews as activities, gate policies and optimizer specs as plans (`prov:Plan` entities), linked
 * by wasGeneratedBy, wasAssociatedWith (with `prov:plan` where a policy or spec governed the
 * activity), wasAttributedTo, actedOnBehalfOf, wasDerivedFrom and used.
 *
 * Every `prov:type` value is a qualified name (`{"$": "prov:Person", "type": "prov:QUALIFIED_NAME"}`),
 * never a bare string: PROV-JSON reads a bare string as a literal, so RDF tools would see the
 * literal "prov:Person" instead of the class prov:Person (PROV-JSON, typed literals). The
 * reference Python `prov` library and rdflib read the export this way; scripts/check-prov.py checks it.
 */
import type { ControlState } from "../control/state.js";
import type { Predicate } from "../ledger/statement.js";
import type { LedgerStore } from "../ledger/store.js";
import { replayLedger } from "../oversight/read-ledger.js";

type Attrs = Record<string, unknown>;

/** A PROV-JSON typed literal whose value is a qualified name (`prov:QUALIFIED_NAME`). */
export interface QualifiedNameValue {
  readonly $: string;
  readonly type: "prov:QUALIFIED_NAME";
}

export interface ProvDocument {
  prefix: Record<string, string>;
  agent: Record<string, Attrs>;
  entity: Record<string, Attrs>;
  activity: Record<string, Attrs>;
  wasGeneratedBy: Record<string, Attrs>;
  wasAssociatedWith: Record<string, Attrs>;
  wasAttributedTo: Record<string, Attrs>;
  actedOnBehalfOf: Record<string, Attrs>;
  wasDerivedFrom: Record<string, Attrs>;
  used: Record<string, Attrs>;
}

const NS = "https://optprov.dev/ns#";
const PROV_NS = "http://www.w3.org/ns/prov#";
// PROV-JSON qualified names: prefix:local; local parts must not contain spaces or '/'-ambiguities we avoid by encoding.
const q = (kind: string, name: string) => `optprov:${kind}-${encodeURIComponent(name)}`;
const qn = (name: string): QualifiedNameValue => ({ $: name, type: "prov:QUALIFIED_NAME" });

/**
 * The PROV agent class of a root actor, by its role. Overseers are people who review; a witness
 * is a service that cosigns checkpoints (C2SP tlog-witness), like a system actor.
 */
function agentClass(role: string): "prov:Person" | "prov:Organization" | "prov:SoftwareAgent" {
  if (role === "organisation") return "prov:Organization";
  if (role === "system" || role === "witness") return "prov:SoftwareAgent";
  return "prov:Person";
}

/**
 * Build the PROV-JSON document for everything the ledger records.
 *
 * @example fs.writeFileSync("prov.json", JSON.stringify(await toProvJson(state, store), null, 2));
 */
export async function toProvJson(state: ControlState, store: LedgerStore): Promise<ProvDocument> {
  const doc: ProvDocument = {
    // prov is predeclared in PROV-JSON; declaring it too costs nothing and helps readers that do not know that.
    prefix: { prov: PROV_NS, optprov: NS, entry: "https://optprov.dev/entry/" },
    agent: {},
    entity: {},
    activity: {},
    wasGeneratedBy: {},
    wasAssociatedWith: {},
    wasAttributedTo: {},
    actedOnBehalfOf: {},
    wasDerivedFrom: {},
    used: {},
  };
  let n = 0;
  const rel = (kind: keyof Omit<ProvDocument, "prefix" | "agent" | "entity" | "activity">, attrs: Attrs) => {
    doc[kind][`_:${kind}${n++}`] = attrs;
  };
  const run = (name: string) => q("run", name);

  // Plans: one entity per distinct policy or spec, keyed by digest (the content is the plan, however
  // often it was signed or used).
  const policyPlan = (digest: string): string => {
    const id = q("policy", digest);
    if (doc.entity[id] === undefined) {
      const p = state.policies.find((r) => r.digest === digest);
      doc.entity[id] = {
        "prov:type": [qn("prov:Plan"), qn("optprov:Policy")],
        ...(p?.policy ? { "prov:label": `policy ${p.policy.name}` } : {}),
        "optprov:digest": digest,
        ...(p ? { "optprov:entry": p.index, "optprov:owner": p.owner } : {}),
      };
    }
    return id;
  };
  const specPlan = (digest: string): string => {
    const id = q("spec", digest);
    const name = specNames.get(digest);
    doc.entity[id] ??= {
      "prov:type": [qn("prov:Plan"), qn("optprov:OptimizerSpec")],
      ...(typeof name === "string" ? { "prov:label": name } : {}),
      "optprov:digest": digest,
    };
    return id;
  };

  for (const a of state.actors.values()) {
    doc.agent[q("agent", a.name)] = {
      "prov:type": qn(agentClass(a.role)),
      "prov:label": a.name,
      "optprov:role": a.role,
      "optprov:key": a.key,
      "optprov:entry": a.index,
    };
  }
  // Runs: one activity per optimizer, spanning its step batches.
  const span = new Map<string, { start?: string; end?: string }>();
  const artifacts: { index: number; p: Predicate<"artifact"> }[] = [];
  /** Specs' names, for their plans' labels; specs themselves are not kept (they may be large). */
  const specNames = new Map<string, string>();
  // The same replay as every other reader: entries that break the log's rules are left out.
  await replayLedger(store, (index, s) => {
    if (s.kind === "optimizer") {
      const { spec, specDigest } = s.predicate.optimizer;
      const name = (spec as { name?: unknown } | undefined)?.name;
      if (specDigest !== undefined && typeof name === "string") specNames.set(specDigest, name);
    } else if (s.kind === "step-batch") {
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
      "prov:type": qn("prov:SoftwareAgent"),
      "prov:label": o.name,
      "optprov:process": o.process ?? "undeclared",
      "optprov:key": o.key,
    };
    doc.entity[entity] = {
      "prov:type": qn("optprov:Optimizer"),
      "prov:label": `${o.name} (${o.process ?? "process not declared"})`,
      "optprov:entry": o.index,
      ...(o.specDigest ? { "optprov:specDigest": o.specDigest } : {}),
      "optprov:unapproved": o.unapproved,
      "optprov:gate": o.gate?.outcome ?? "none",
    };
    const creation = q("creation", o.name);
    const policyDigest = o.gate?.policyDigest;
    const spec = o.specDigest ? specPlan(o.specDigest) : undefined;
    doc.activity[creation] = {
      "prov:type": qn("optprov:Creation"),
      "prov:startTime": o.time,
      "prov:endTime": o.time,
      "optprov:entry": o.index,
      ...(policyDigest ? { "optprov:policyDigest": policyDigest } : {}),
    };
    // The creator acted under the gate's policy; a spec is a second plan of the same creation
    // (PROV-DM §5.3.3: one plan per association, so one association each).
    rel("wasAssociatedWith", {
      "prov:activity": creation,
      "prov:agent": creatorAgent,
      ...(policyDigest ? { "prov:plan": policyPlan(policyDigest) } : {}),
    });
    if (spec)
      rel("wasAssociatedWith", { "prov:activity": creation, "prov:agent": creatorAgent, "prov:plan": spec });
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
        doc.activity[run(o.creator)] = { "prov:type": qn("optprov:Run") };
      rel("used", { "prov:activity": creation, "prov:entity": parentEntity });
    }
    if (o.request !== undefined) {
      const r = state.requests.get(o.request);
      const requestPolicy = r?.gate.policyDigest;
      for (const a of r?.approvals ?? []) {
        const review = q("review", String(a.index));
        doc.activity[review] = {
          "prov:type": qn("optprov:Review"),
          "prov:startTime": a.time,
          "optprov:decision": a.decision,
          "optprov:entry": a.index,
        };
        // An overseer reviews under the policy that asked for the review.
        rel("wasAssociatedWith", {
          "prov:activity": review,
          "prov:agent": q("agent", a.by),
          ...(requestPolicy ? { "prov:plan": policyPlan(requestPolicy) } : {}),
        });
        rel("used", { "prov:activity": creation, "prov:entity": q("review-record", String(a.index)) });
        doc.entity[q("review-record", String(a.index))] = {
          "prov:type": qn("optprov:Approval"),
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
      "prov:type": qn("optprov:Run"),
      "optprov:steps": o.steps,
      ...(s?.start ? { "prov:startTime": s.start, "prov:endTime": s.end } : {}),
    };
    // The optimizer runs the process its spec declares.
    rel("wasAssociatedWith", {
      "prov:activity": runId,
      "prov:agent": agent,
      ...(spec ? { "prov:plan": spec } : {}),
    });
    rel("used", { "prov:activity": runId, "prov:entity": entity });
  }
  for (const { index, p } of artifacts) {
    const id = q("artifact", `${index}`);
    doc.entity[id] = {
      "prov:type": qn("optprov:Artifact"),
      "prov:label": p.name,
      "optprov:entry": index,
      ...(p.digest ? { "optprov:digest": p.digest } : {}),
    };
    const runId = run(p.actor);
    doc.activity[runId] ??= { "prov:type": qn("optprov:Run") };
    rel("wasGeneratedBy", { "prov:entity": id, "prov:activity": runId, "prov:time": p.time });
    if (state.optimizers.has(p.actor))
      rel("wasDerivedFrom", {
        "prov:generatedEntity": id,
        "prov:usedEntity": q("optimizer", p.actor),
        "prov:activity": runId,
      });
  }
  // Every signed policy is a plan, whether or not it governed a creation yet, attributed to its owner.
  const attributed = new Set<string>();
  for (const p of state.policies) {
    const id = policyPlan(p.digest);
    const owner = q("agent", p.owner);
    if (attributed.has(id) || doc.agent[owner] === undefined) continue;
    attributed.add(id);
    rel("wasAttributedTo", { "prov:entity": id, "prov:agent": owner });
  }
  return doc;
}
