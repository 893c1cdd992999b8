/**
 * The built-in monitors a policy's `ancestry:` can name: they follow every optimizer's record as the
 * log admits it, so that when an optimizer creates another, the gate can ask what its record (and
 * its ancestors') shows. Each is deterministic, keeps memory bounded by optimizers and episodes (not
 * steps), and journals every change (see `control/ancestry.ts`).
 *
 * - `self-modification`: a process parameter the optimizer changed at run time without an
 *   approved `change` entry (the whisky-and-gold failure: an exploration rate switched off);
 * - `unapproved`: the optimizer itself was created without approval, under an audit-mode policy
 *   that let through what enforce mode would have refused;
 * - `goodhart`: the optimizer's per-episode proxy (its steps' `R`, `return` or summed `reward`)
 *   came apart from the intended measure someone else reported for it (`observation` entries with
 *   `intended`, or the older `P` or `performance`; docs/conventions.md), by the same tests as the
 *   audit's Goodhart detector, on the record so far; episodes its steps mark as evaluation
 *   episodes (`evaluation: 1`, its current policy with exploration off) are judged as their own series;
 * - `constraint`: someone other than the optimizer reported it violating a safety constraint
 *   (`observation` entries whose `violations` is above zero), in training or deployment.
 */
import type { AncestryMonitor, AncestryMonitors, MonitorFinding } from "../control/ancestry.js";
import type { Journal } from "../ledger/rules.js";
import {
  addViolations,
  type ConstraintTally,
  constraintFinding,
  reportedViolations,
} from "./detectors/constraint.js";
import {
  addEpisodeFigures,
  type EpisodeProxy,
  emptyEpisodeProxy,
  goodhartOfRecord,
  intendedValue,
} from "./detectors/goodhart-ledger.js";
import { unapprovedChanges } from "./detectors/self-modification.js";

/** Findings kept per optimizer and monitor: the gate needs to know that, not every instance. */
const MAX_FINDINGS = 20;

interface SelfModificationMemory {
  /** Each optimizer's parameters as it last ran them. */
  readonly params: Map<string, Readonly<Record<string, unknown>>>;
  readonly found: Map<string, MonitorFinding[]>;
}

const selfModification: AncestryMonitor<SelfModificationMemory> = {
  create: () => ({ params: new Map(), found: new Map() }),
  observe(m, index, view, state, journal) {
    if (view.kind !== "step-batch") return;
    const b = view.predicate;
    if (b.params === undefined) return;
    const before = m.params.get(b.actor) ?? state.optimizers.get(b.actor)?.declared.params ?? {};
    const found: MonitorFinding[] = unapprovedChanges(b.actor, b.params, before, index, state).map(
      ({ name, was, value }) => ({
        code: "PARAMETER_CHANGED_WITHOUT_APPROVAL",
        severity: "high",
        message: `${b.actor} changed its ${name} from ${String(was)} to ${String(value)} at step ${b.firstStep} without an approved change entry`,
        entries: [index],
      }),
    );
    const previous = m.params.get(b.actor);
    m.params.set(b.actor, { ...before, ...b.params });
    const list = m.found.get(b.actor) ?? [];
    const added = found.slice(0, Math.max(0, MAX_FINDINGS - list.length));
    m.found.set(b.actor, [...list, ...added]);
    journal?.record(() => {
      if (previous === undefined) m.params.delete(b.actor);
      else m.params.set(b.actor, previous);
      if (list.length === 0) m.found.delete(b.actor);
      else m.found.set(b.actor, list);
    });
  },
  findings: (m, optimizer) => m.found.get(optimizer) ?? [],
};

const unapproved: AncestryMonitor<Record<string, never>> = {
  create: () => ({}),
  observe: () => undefined,
  findings(_m, optimizer, state) {
    const o = state.optimizers.get(optimizer);
    if (o === undefined || !o.unapproved) return [];
    return [
      {
        code: "CREATED_UNAPPROVED",
        severity: "high",
        message: `${optimizer} was itself created without approval (${o.marks.join(", ")}), under an audit-mode policy`,
        entries: [o.index],
      },
    ];
  },
};

/** Set `map[key]`, recording how to put back what was there. */
function put<K, V>(map: Map<K, V>, key: K, value: V, journal: Journal | undefined): void {
  const had = map.has(key);
  const was = map.get(key);
  map.set(key, value);
  journal?.record(() => {
    if (had) map.set(key, was as V);
    else map.delete(key);
  });
}

/** The value at `map[key]`, made (and its making journaled) when missing. */
function getOrPut<K, V>(map: Map<K, V>, key: K, make: () => V, journal: Journal | undefined): V {
  const v = map.get(key);
  if (v !== undefined) return v;
  const fresh = make();
  put(map, key, fresh, journal);
  return fresh;
}

/** The intended measure reported for `optimizer` by someone other than itself, if `view` is one. */
function reportedAbout(view: Parameters<AncestryMonitor["observe"]>[2]) {
  if (view.kind !== "observation") return undefined;
  const p = view.predicate;
  if (p.optimizer === undefined || p.actor === p.optimizer) return undefined;
  return p;
}

interface GoodhartMemory {
  readonly proxies: Map<string, EpisodeProxy>;
  readonly intended: Map<string, Map<number, { readonly value: number; readonly entry: number }>>;
}

const goodhart: AncestryMonitor<GoodhartMemory> = {
  create: () => ({ proxies: new Map(), intended: new Map() }),
  observe(m, index, view, _state, journal) {
    if (view.kind === "step-batch") {
      const b = view.predicate;
      if (b.episodes === undefined || b.episodes.length === 0) return;
      const proxy = getOrPut(m.proxies, b.actor, emptyEpisodeProxy, journal);
      addEpisodeFigures(proxy, b.episodes, { journal });
      return;
    }
    const p = reportedAbout(view);
    if (p === undefined || p.episode === undefined) return;
    const value = intendedValue(p.values);
    if (value === undefined) return;
    const series = getOrPut(m.intended, p.optimizer!, () => new Map(), journal);
    put(series, p.episode, { value, entry: index }, journal);
  },
  findings(m, optimizer) {
    const proxy = m.proxies.get(optimizer);
    const intended = m.intended.get(optimizer);
    if (proxy === undefined || intended === undefined) return [];
    return goodhartOfRecord(optimizer, proxy, intended).map((f) => ({
      code: f.code,
      severity: f.severity,
      message: f.message,
      entries: f.evidence.entries ?? [],
    }));
  },
};

interface ConstraintMemory {
  readonly reported: Map<string, ConstraintTally>;
}

const constraint: AncestryMonitor<ConstraintMemory> = {
  create: () => ({ reported: new Map() }),
  observe(m, index, view, _state, journal) {
    if (view.kind !== "observation") return;
    const n = reportedViolations(view.predicate);
    if (n === 0) return;
    const o = view.predicate.optimizer!;
    put(m.reported, o, addViolations(m.reported.get(o), n, index, view.predicate.episode), journal);
  },
  findings(m, optimizer) {
    const t = m.reported.get(optimizer);
    if (t === undefined) return [];
    const f = constraintFinding(optimizer, t);
    return [{ code: f.code, severity: f.severity, message: f.message, entries: t.entries }];
  },
};

/** Monitors by the name a policy's `ancestry.detectors` uses for them. */
export const ANCESTRY_MONITORS: AncestryMonitors = {
  goodhart: goodhart as AncestryMonitor,
  constraint: constraint as AncestryMonitor,
  "self-modification": selfModification as AncestryMonitor,
  unapproved: unapproved as AncestryMonitor,
};
