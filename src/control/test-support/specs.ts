/**
 * Small, valid optimizer specs for tests: an explicit world model over a state, a decision and a
 * reward (and optionally an oversight variable), an objective over it, and a process of the kind
 * asked for. The gate and the log read their legibility figures from these, as they would from a
 * user's spec.
 */
import type { OptimizerSpec, ProcessKind } from "../../model/index.js";

const PARAMS: Partial<Record<ProcessKind, Record<string, number | string | boolean>>> = {
  "q-learning": { alpha: 0.1, gamma: 0.9, epsilon: 0.1 },
  sarsa: { alpha: 0.1, gamma: 0.9, epsilon: 0.1 },
  "tree-search": { simulations: 100, explorationConstant: 1.4 },
  "gradient-descent": { learningRate: 0.01 },
  evolution: { populationSize: 10, mutationRate: 0.1 },
  "best-of-n": { n: 4 },
  "exhaustive-search": {},
  "value-iteration": { gamma: 0.9, tolerance: 0.001 },
};

export interface TestSpecOptions {
  readonly name?: string;
  readonly kind?: ProcessKind;
  readonly maxSteps?: number;
  readonly mayCreate?: readonly ProcessKind[];
  /** The objective expression (default `E[reward]`). */
  readonly expr?: string;
  /** Add a `supervisor` variable tagged `oversight`. */
  readonly oversight?: boolean;
  /** States in the world model (default 3): rows of the reward table grow with it. */
  readonly states?: number;
}

/**
 * @example testSpec({ kind: "tree-search", maxSteps: 1000 })
 */
export function testSpec(o: TestSpecOptions = {}): OptimizerSpec {
  const kind = o.kind ?? "q-learning";
  const states = Array.from({ length: o.states ?? 3 }, (_, i) => `s${i}`);
  const actions = ["left", "right"];
  const rows = states.flatMap((s, i) => actions.map((a, j) => [s, a, i + j]));
  return {
    name: o.name ?? `a ${kind} optimizer`,
    worldModel: {
      kind: "explicit",
      name: "a small world",
      variables: [
        { name: "state", domain: { kind: "enum", values: states }, tags: ["state"] },
        { name: "action", domain: { kind: "enum", values: actions }, tags: ["decision"] },
        { name: "reward", domain: { kind: "int", min: 0, max: states.length + 1 }, tags: ["reward"] },
        ...(o.oversight
          ? [{ name: "supervisor", domain: { kind: "boolean" as const }, tags: ["oversight"] }]
          : []),
      ],
      localModels: [
        {
          kind: "table",
          name: "reward",
          description: "the reward of each action in each state",
          inputs: ["state", "action"],
          output: "reward",
          rows,
        },
        ...(o.oversight
          ? [
              {
                kind: "cpt",
                name: "supervisor-presence",
                description: "the supervisor is there half of the time",
                parents: [],
                child: "supervisor",
                rows: [
                  {
                    parents: [],
                    distribution: [
                      [true, 0.5],
                      [false, 0.5],
                    ],
                  },
                ],
              },
            ]
          : []),
      ],
    },
    objective: { sense: "maximize", expr: o.expr ?? "E[reward]" },
    process: {
      kind,
      params: PARAMS[kind] ?? {},
      budget: { maxSteps: o.maxSteps ?? 10_000, maxWallSeconds: 600 },
      ...(o.mayCreate ? { mayCreate: [...o.mayCreate] } : {}),
    },
  } as unknown as OptimizerSpec;
}
