/**
 * The specs of the gridworld agents: each a full optimizer spec (world model, objective, process),
 * recorded in the ledger as the creation entry's document. `spawnSpecFrom` (`sdk/from-spec.ts`)
 * turns each into a spawn spec, measuring the gate's summary (legibility, the objective's variables
 * and their tags) from the document rather than taking it on trust.
 *
 * - the trainer: tabular Q-learning or SARSA; its world model is implicit (the Q-table it will
 *   fill), its objective the visible reward R, declared a proxy for the designer's goal and measured
 *   by the environment's own observation entries;
 * - the greedy policy it produces: acts by lookup in that Q-table (an `external` process that does
 *   not search), with its decision table and its trainer's learned world model in the document so
 *   that its choices can be checked against it;
 * - the planner it produces: value iteration over the explicit world model learned from experience.
 */
import { toHex } from "../../ledger/base64.js";
import { sha256 } from "../../ledger/crypto.js";
import type { OptimizerSpec } from "../../model/optimizer-spec.js";
import { canonicalJson } from "../../model/spec/canonical-json.js";
import type { Assignment } from "../../model/world-model/assignment.js";
import type { TableModel } from "../../model/world-model/local-model.js";
import { table } from "../../model/world-model/local-model.js";
import { enumVariable, realVariable } from "../../model/world-model/variable.js";
import type { WorldModel } from "../../model/world-model/world-model.js";
import { OVERSIGHT_THRESHOLDS } from "../../oversight/detectors/oversight-dependence.js";
import type { EnvironmentDefinition } from "../environment.js";
import type { Policy } from "../q-table.js";
import { decodeStateKey } from "../state-key.js";
import type { TabularAlgorithm, TabularParameters } from "../tabular-learning.js";
import { ACTION_NAMES, actionName, assignmentOf, boardCells, tagsFor } from "./learned-world-model.js";

/** What the objective of every agent stands in for, and how that is measured. */
export interface ProxyDeclaration {
  /** The intended objective, named: the designer's goal, which the hidden performance P scores. */
  readonly proxyFor: string;
  /** Where the measure of the intended objective comes from. */
  readonly measuredBy: string;
}

/**
 * The proxy declaration for an environment whose P is reported by `environmentActor`.
 *
 * @example proxyDeclaration(absentSupervisor(), "absent-supervisor-env").measuredBy
 */
export function proxyDeclaration(
  definition: EnvironmentDefinition,
  environmentActor: string,
): ProxyDeclaration {
  return {
    proxyFor: `the designer's goal in ${definition.name}, scored by the hidden performance P (${definition.summary})`,
    measuredBy:
      definition.intended !== undefined
        ? `observation entries signed by ${environmentActor}: values.intended (P in the reward's units), one per episode`
        : `observation entries signed by ${environmentActor}: values.P, one per episode`,
  };
}

export interface TrainerSpecInput {
  readonly name: string;
  readonly algorithm: TabularAlgorithm;
  readonly definition: EnvironmentDefinition;
  readonly parameters: TabularParameters & { readonly initialValue: number };
  readonly proxy: ProxyDeclaration;
  /**
   * The trainer's evaluation protocol, when it records greedy evaluation episodes: `episodes` of
   * them after every `every` training episodes (their steps count against the step budget).
   */
  readonly evaluation?: EvaluationProtocol;
}

/** Greedy evaluation episodes a trainer records as part of its own record (`docs/conventions.md`). */
export interface EvaluationProtocol {
  /** Training episodes between two evaluations. */
  readonly every: number;
  /** Evaluation episodes each time. */
  readonly episodes: number;
}

/** How many evaluation episodes `protocol` adds to a run of `trainingEpisodes`. */
export function evaluationEpisodes(
  trainingEpisodes: number,
  protocol: EvaluationProtocol | undefined,
): number {
  if (protocol === undefined || protocol.episodes === 0) return 0;
  return Math.floor(trainingEpisodes / protocol.every) * protocol.episodes;
}

/** Process kinds a trainer may create: its greedy policy and its planner. */
export const TRAINER_MAY_CREATE = ["value-iteration", "external"] as const;

/**
 * The trainer's spec. Its world model is implicit: the Q-table, which at creation is empty with
 * every value at `initialValue` (the digest is of that table); the variables it is over are
 * declared so the objective is stated over named, tagged variables.
 *
 * @example spawnSpecFrom(trainerSpec({ name: "as-q-1", algorithm: "q-learning", definition, parameters, proxy }))
 */
export function trainerSpec(input: TrainerSpecInput): OptimizerSpec {
  const { name, algorithm, definition, parameters, proxy, evaluation } = input;
  const evaluated = evaluationEpisodes(parameters.episodes, evaluation);
  const emptyTable = canonicalJson({ algorithm, initialValue: parameters.initialValue, states: [] });
  return {
    name,
    description: `tabular ${algorithm} on ${definition.name}, learning from the visible reward R only (${parameters.episodes} episodes, seed ${parameters.seed})${evaluated > 0 ? `; its greedy policy evaluated (exploration off) in ${evaluation!.episodes} episode(s) after every ${evaluation!.every} training episodes` : ""}`,
    worldModel: {
      kind: "implicit",
      artifact: {
        name: `${name} Q-table`,
        digest: `sha256:${toHex(sha256(new TextEncoder().encode(emptyTable)))}`,
        uri: `urn:optprov:q-table:${name}`,
      },
      description: `the value of each action in each observed state (position and ${definition.variables.map((v) => v.name).join(", ") || "nothing else"}), learned from R`,
      probes: [],
      variables: [
        enumVariable("position", boardCells(definition), ["observation"]),
        ...definition.variables.map((v) =>
          v.domain.kind === "boolean"
            ? { name: v.name, domain: { kind: "boolean" as const }, tags: tagsFor(v.role) }
            : realVariable(v.name, "", tagsFor(v.role)),
        ),
        enumVariable("action", [...ACTION_NAMES], ["decision"]),
        realVariable("R", "", ["reward"]),
      ],
    },
    objective: { sense: "maximize", expr: "R", ...proxy },
    process: {
      kind: algorithm,
      params: { alpha: parameters.alpha, gamma: parameters.gamma, epsilon: parameters.epsilon },
      budget: {
        maxSteps: Math.max(1, (parameters.episodes + evaluated) * definition.maxSteps),
        maxWallSeconds: 3600,
      },
      mayCreate: [...TRAINER_MAY_CREATE],
    },
    metadata: {
      environment: definition.name,
      seed: parameters.seed,
      initialValue: parameters.initialValue,
      ...(evaluated > 0 ? { evaluation: { every: evaluation!.every, episodes: evaluation!.episodes } } : {}),
    },
  };
}

export interface ProducedSpecInput {
  readonly name: string;
  readonly trainer: string;
  readonly definition: EnvironmentDefinition;
  readonly worldModel: WorldModel;
  readonly starts: readonly Assignment[];
  readonly proxy: ProxyDeclaration;
  /** Environment steps the deployment may take. */
  readonly maxSteps: number;
}

/**
 * The planner's spec: value iteration over the learned explicit world model, maximizing its
 * `reward` variable (the learned mean of R).
 *
 * @example plannerSpec({ name: "as-q-1-planner", trainer: "as-q-1", definition, worldModel, starts, proxy, maxSteps: 2000 })
 */
export function plannerSpec(input: ProducedSpecInput): OptimizerSpec {
  return {
    name: input.name,
    description: `plans by value iteration over the world model ${input.trainer} learned from its experience of ${input.definition.name}`,
    worldModel: { kind: "explicit", ...input.worldModel },
    objective: { sense: "maximize", expr: "reward", ...input.proxy },
    process: {
      kind: "value-iteration",
      params: { gamma: OVERSIGHT_THRESHOLDS.gamma, tolerance: OVERSIGHT_THRESHOLDS.tolerance },
      budget: { maxSteps: Math.max(1, input.maxSteps), maxWallSeconds: 600 },
    },
    metadata: { creator: input.trainer, starts: input.starts },
  };
}

/**
 * The greedy policy's spec: a lookup in the trainer's Q-table, recorded as its decision table,
 * beside the trainer's learned world model (what its choices are checked against).
 *
 * @example greedySpec({ ...input, policy: trained.policy })
 */
export function greedySpec(input: ProducedSpecInput & { readonly policy: Policy }): OptimizerSpec {
  return {
    name: input.name,
    description: `acts greedily on the Q-table ${input.trainer} learned on ${input.definition.name}; the world model is ${input.trainer}'s experience, recorded so its choices can be checked`,
    worldModel: { kind: "explicit", ...input.worldModel },
    objective: { sense: "maximize", expr: "reward", ...input.proxy },
    process: {
      kind: "external",
      params: {
        system: `greedy lookup in the Q-table ${input.trainer} learned (the best of four values, ties to the lowest action)`,
        searches: false,
      },
      budget: { maxSteps: Math.max(1, input.maxSteps), maxWallSeconds: 600 },
    },
    metadata: {
      creator: input.trainer,
      starts: input.starts,
      policy: decisionTable(input.definition, input.policy),
    },
  };
}

/** A Q-table's greedy policy as an explicit table from state variables to the action. */
export function decisionTable(definition: EnvironmentDefinition, policy: Policy): TableModel {
  const names = definition.variables.map((v) => v.name);
  const rows = [...policy.keys()].sort().map((key) => {
    const state = assignmentOf(decodeStateKey(key));
    return [
      state["position"] as string,
      ...names.map((n) => state[n] as boolean | number),
      actionName(policy.get(key) ?? 0),
    ];
  });
  return table(
    "policy",
    "the greedy action in each state of the Q-table",
    ["position", ...names],
    "action",
    rows,
  );
}
