/**
 * From what the ledger records to what the gate decides on: the creator's standing in the control
 * state, and the child's spec summarised (legibility figures recomputed from the spec itself, the
 * objective's variables with their tags, every problem the spec checker finds, the detectors a
 * policy requires). The SDK's pre-check and the log's admission both build their `GateRequest`
 * here, so the two can never disagree; nothing a writer says about its own spec is taken on trust.
 */

import type { NewOptimizer, ProcessDeclaration } from "../ledger/statement.js";
import {
  canonicalJson,
  measureLegibility,
  type OptimizerSpec,
  specObjective,
  specVariables,
  validateOptimizerSpec,
  variablesRead,
} from "../model/index.js";
import { type AncestryMonitors, ancestryReport } from "./ancestry.js";
import type { GateRequest } from "./gate.js";
import type { Policy } from "./policy.js";
import type { ControlState } from "./state.js";

/**
 * A check a policy can require at the gate (`detectors:` in a policy), run on the spec of every
 * creation it decides. Pure: the log runs it at admission and `verify` runs it again offline.
 */
export type GateDetector = (subject: { readonly name: string; readonly document: unknown }) => {
  readonly passed: boolean;
  readonly summary: string;
};

/** The gate's view of a spec. */
export interface SpecSummary {
  readonly legibility: GateRequest["child"]["legibility"];
  readonly objectiveVariables: GateRequest["child"]["objectiveVariables"];
  readonly specErrors: readonly string[];
  /** What the spec declares about its process, when it is valid. */
  readonly declared: ProcessDeclaration | undefined;
}

const NO_LEGIBILITY = { variables: 0, largestLocalModelRows: 0, objectiveSize: 0, implicitParts: 0 };

/**
 * What a spec declares about its process, in the form a creation entry records: the kind, the
 * scalar parameters, the budget and what it may create (an absent `mayCreate` means nothing).
 *
 * @example declaredProcess(spec) // { kind: "q-learning", params: { alpha: 0.1 }, budget: { maxSteps: 1000 }, mayCreate: [] }
 */
export function declaredProcess(spec: OptimizerSpec): ProcessDeclaration {
  const p = spec.process as {
    kind: string;
    params?: Record<string, unknown>;
    budget?: ProcessDeclaration["budget"];
    mayCreate?: readonly string[];
  };
  const params = Object.fromEntries(
    Object.entries(p.params ?? {}).filter((e): e is [string, number | string | boolean] =>
      ["number", "string", "boolean"].includes(typeof e[1]),
    ),
  );
  return {
    kind: p.kind,
    ...(Object.keys(params).length > 0 ? { params } : {}),
    ...(p.budget ? { budget: p.budget } : {}),
    mayCreate: [...(p.mayCreate ?? [])],
  };
}

/**
 * Summarise a recorded spec for the gate. A spec that is not valid is summarised by its problems
 * (any one denies the creation); a creation with no spec reads as one with nothing explicit.
 *
 * @example summariseSpec(spec).legibility.variables // 4
 */
export function summariseSpec(document: unknown): SpecSummary {
  if (document === undefined)
    return { legibility: NO_LEGIBILITY, objectiveVariables: undefined, specErrors: [], declared: undefined };
  const { spec, problems } = validateOptimizerSpec(document);
  if (spec === undefined)
    return {
      legibility: NO_LEGIBILITY,
      objectiveVariables: undefined,
      specErrors: problems.map((p) => `${p.path.join(".") || "(root)"}: ${p.detail} [${p.code}]`),
      declared: undefined,
    };
  const metrics = measureLegibility(spec);
  const objective = specObjective(spec);
  const tags = new Map(specVariables(spec).map((v) => [v.name, v.tags ?? []]));
  const read = objective.objective ? variablesRead(objective.objective, objective.constants) : undefined;
  return {
    legibility: {
      variables: metrics.variables,
      largestLocalModelRows: metrics.largestLocalModel?.rows ?? 0,
      objectiveSize: metrics.objectiveSize ?? 0,
      implicitParts: metrics.implicitParts.length,
    },
    // Only variables the world model declares explicitly count as explicit objective variables.
    objectiveVariables: read?.every((v) => tags.has(v))
      ? read.map((v) => ({ name: v, tags: [...(tags.get(v) ?? [])] }))
      : undefined,
    specErrors: [],
    declared: declaredProcess(spec),
  };
}

/** Whether two process declarations say the same thing (key order aside). */
export function sameDeclaration(a: ProcessDeclaration, b: ProcessDeclaration): boolean {
  const norm = (d: ProcessDeclaration) =>
    canonicalJson({
      kind: d.kind,
      params: d.params ?? {},
      budget: d.budget ?? {},
      mayCreate: d.mayCreate ?? [],
    });
  return norm(a) === norm(b);
}

/** Everything about a creation the gate needs, derived from the control state and the recorded spec. */
export function gateRequestFor(input: {
  readonly state: ControlState;
  readonly policy: Policy;
  readonly creator: { readonly name: string; readonly key: string };
  readonly child: Pick<NewOptimizer, "name" | "process">;
  readonly spec: unknown;
  readonly summary: SpecSummary;
  readonly time: string;
  readonly detectors: Readonly<Record<string, GateDetector>>;
  /** The ancestry monitors the log runs (the policy's `ancestry:` names which count). */
  readonly monitors?: AncestryMonitors;
}): GateRequest {
  const { state, creator, child, summary } = input;
  const record = state.optimizers.get(creator.name);
  const detectors: Record<string, { passed: boolean; summary: string }> = {};
  for (const name of input.policy.detectors) {
    const d = input.detectors[name];
    if (d === undefined) continue;
    try {
      detectors[name] = d({ name: child.name, document: input.spec });
    } catch (err) {
      // A detector that cannot read the spec refuses it: a failure to check is never a pass.
      detectors[name] = { passed: false, summary: `cannot run on ${child.name}: ${(err as Error).message}` };
    }
  }
  return {
    creator: {
      name: creator.name,
      process: record?.process,
      key: creator.key,
      depth: record?.depth ?? 0,
      // An optimizer may create only what its process declares; root actors have no process.
      mayCreate: record === undefined ? undefined : (record.declared.mayCreate ?? []),
    },
    child: {
      name: child.name,
      process: child.process.kind,
      budget: child.process.budget,
      legibility: summary.legibility,
      objectiveVariables: summary.objectiveVariables,
      specErrors: summary.specErrors,
    },
    detectors,
    ...(input.policy.ancestry !== undefined
      ? { ancestry: ancestryReport(state, input.monitors ?? {}, input.policy.ancestry, creator.name) }
      : {}),
    now: new Date(input.time),
  };
}
