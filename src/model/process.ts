/**
 * Optimization processes: the third part of an optimizer, the algorithm that does the optimizing.
 *
 * A process is a kind from a fixed registry, its parameters (checked by the kind's own schema),
 * a budget, and `mayCreate`: the kinds of optimizers it may create. The registry also says whether
 * a kind *searches*, i.e. evaluates many alternatives and keeps the best at run time: a component
 * that searches is an optimizer whether or not anyone declared it, which is what the
 * undeclared-optimizer detector looks for.
 */
import { z } from "zod";
import { suggest } from "./objective/did-you-mean.js";
import { PartError } from "./spec/part-error.js";
import { type PathSegment, type SchemaIssue, schemaIssues } from "./spec/schema-issues.js";
import { formatPath } from "./world-model/world-model-error.js";

export const PROCESS_KINDS = [
  "gradient-descent",
  "tree-search",
  "q-learning",
  "sarsa",
  "value-iteration",
  "evolution",
  "best-of-n",
  "exhaustive-search",
  "planner",
  "external",
] as const;
export type ProcessKind = (typeof PROCESS_KINDS)[number];

const probability = z.number().min(0).max(1);
const positiveInt = z.int().min(1).max(Number.MAX_SAFE_INTEGER);
const shortText = z.string().min(1).max(500);

// Each parameter's `describe` text is published in the JSON Schema and read back by `spec explain`,
// so the words a person sees and the schema a tool reads come from one place.
const PARAMS = {
  "gradient-descent": z.strictObject({
    learningRate: z.number().positive().describe("step size of each parameter update"),
    batchSize: positiveInt.describe("examples per update").optional(),
    momentum: z.number().min(0).lt(1).describe("fraction of the previous update carried over").optional(),
    optimizer: z.enum(["sgd", "momentum", "adam", "adamw", "rmsprop"]).describe("the update rule").optional(),
  }),
  "tree-search": z.strictObject({
    simulations: positiveInt.describe("simulated playouts per decision"),
    explorationConstant: z.number().min(0).describe("UCT exploration constant"),
    maxDepth: positiveInt.describe("deepest simulated line").optional(),
    rollout: z.enum(["random", "heuristic", "learned"]).describe("how playouts choose moves").optional(),
  }),
  "q-learning": z.strictObject({
    alpha: z.number().gt(0).max(1).describe("learning rate"),
    gamma: probability.describe("discount factor"),
    epsilon: probability.describe("exploration rate"),
  }),
  sarsa: z.strictObject({
    alpha: z.number().gt(0).max(1).describe("learning rate"),
    gamma: probability.describe("discount factor"),
    epsilon: probability.describe("exploration rate"),
  }),
  "value-iteration": z.strictObject({
    gamma: probability.describe("discount factor"),
    tolerance: z.number().positive().describe("stop when no value changes by more than this"),
  }),
  evolution: z.strictObject({
    populationSize: z.int().min(2).max(Number.MAX_SAFE_INTEGER).describe("candidates per generation"),
    mutationRate: probability.describe("chance that each gene mutates"),
    selection: z.enum(["tournament", "truncation", "roulette"]).describe("how parents are chosen").optional(),
  }),
  "best-of-n": z.strictObject({
    n: z
      .int()
      .min(2)
      .max(Number.MAX_SAFE_INTEGER)
      .describe("candidates generated, of which the best is kept"),
  }),
  "exhaustive-search": z.strictObject({
    space: shortText.describe("what is enumerated").optional(),
  }),
  planner: z.strictObject({
    algorithm: shortText.describe("the planning algorithm, e.g. A* or STRIPS"),
    horizon: positiveInt.describe("longest plan, in actions").optional(),
  }),
  external: z.strictObject({
    system: shortText.describe("what runs the optimization, outside optprov's registry"),
    searches: z.boolean().describe("whether it evaluates many alternatives and keeps the best"),
  }),
} as const satisfies Record<ProcessKind, z.ZodObject>;

export type ProcessParams<K extends ProcessKind> = z.infer<(typeof PARAMS)[K]>;

export const budgetSchema = z
  .strictObject({
    maxSteps: positiveInt.describe("most steps the process may take (what a step is depends on the kind)"),
    maxWallSeconds: z.number().positive().describe("most wall-clock seconds the process may run"),
  })
  .describe("hard limits on the process");

export interface ProcessBudget {
  readonly maxSteps: number;
  readonly maxWallSeconds: number;
}

export const mayCreateSchema = z
  .array(z.enum(PROCESS_KINDS))
  .max(PROCESS_KINDS.length)
  // A repeat is MAY_CREATE_INVALID, found by validateProcess; said here for the JSON Schema.
  .meta({ uniqueItems: true })
  .describe("the process kinds of optimizers this one may create; absent means none");

/** A process of one kind: `{kind: "q-learning", params: {alpha, gamma, epsilon}, budget, mayCreate}`. */
export type Process = {
  readonly [K in ProcessKind]: {
    readonly kind: K;
    readonly params: Readonly<ProcessParams<K>>;
    readonly budget: ProcessBudget;
    readonly mayCreate?: readonly ProcessKind[];
  };
}[ProcessKind];

function declaration<K extends ProcessKind>(kind: K) {
  return z.strictObject({
    kind: z.literal(kind),
    params: PARAMS[kind],
    budget: budgetSchema,
    mayCreate: mayCreateSchema.optional(),
  });
}

/** The process part of an optimizer spec, one member per kind; the JSON Schema is generated from it. */
export const processSchema = z
  .discriminatedUnion("kind", [
    declaration("gradient-descent"),
    declaration("tree-search"),
    declaration("q-learning"),
    declaration("sarsa"),
    declaration("value-iteration"),
    declaration("evolution"),
    declaration("best-of-n"),
    declaration("exhaustive-search"),
    declaration("planner"),
    declaration("external"),
  ])
  .meta({ id: "Process", title: "Optimization process" });

export interface ProcessKindInfo {
  readonly kind: ProcessKind;
  /** A phrase for people: what the algorithm does. */
  readonly summary: string;
  /** Whether it evaluates many alternatives and keeps the best; `"declared"` for `external`, which says so in its params. */
  readonly searches: boolean | "declared";
  /** What one step of the budget counts. */
  readonly step: string;
  readonly params: z.ZodObject;
}

/** Every process kind, with what it does, whether it searches, and its parameter schema. */
export const PROCESS_REGISTRY: Readonly<Record<ProcessKind, ProcessKindInfo>> = {
  "gradient-descent": {
    kind: "gradient-descent",
    summary: "gradient descent: it follows the gradient of the objective through differentiable parameters",
    searches: false,
    step: "parameter updates",
    params: PARAMS["gradient-descent"],
  },
  "tree-search": {
    kind: "tree-search",
    summary:
      "Monte Carlo tree search: it simulates lines of play from the current state and picks the move with the best estimated value",
    searches: true,
    step: "simulations",
    params: PARAMS["tree-search"],
  },
  "q-learning": {
    kind: "q-learning",
    summary:
      "Q-learning: it learns the value of each action in each state from experience (off-policy) and acts greedily on those values, exploring at random with probability epsilon",
    searches: false,
    step: "environment steps",
    params: PARAMS["q-learning"],
  },
  sarsa: {
    kind: "sarsa",
    summary:
      "SARSA: it learns the value of the actions it actually takes (on-policy), exploring at random with probability epsilon",
    searches: false,
    step: "environment steps",
    params: PARAMS.sarsa,
  },
  "value-iteration": {
    kind: "value-iteration",
    summary:
      "value iteration: it computes the best value of every state by dynamic programming over the world model, taking the best action everywhere",
    searches: true,
    step: "sweeps over the states",
    params: PARAMS["value-iteration"],
  },
  evolution: {
    kind: "evolution",
    summary: "evolution: it keeps a population of candidates, mutates them and selects the fittest",
    searches: true,
    step: "generations",
    params: PARAMS.evolution,
  },
  "best-of-n": {
    kind: "best-of-n",
    summary: "best-of-n: it generates n candidates and keeps the one the objective scores highest",
    searches: true,
    step: "candidates generated",
    params: PARAMS["best-of-n"],
  },
  "exhaustive-search": {
    kind: "exhaustive-search",
    summary: "exhaustive search: it evaluates every alternative and keeps the best",
    searches: true,
    step: "candidates evaluated",
    params: PARAMS["exhaustive-search"],
  },
  planner: {
    kind: "planner",
    summary: "planning: it searches for a sequence of actions that achieves the objective",
    searches: true,
    step: "node expansions",
    params: PARAMS.planner,
  },
  external: {
    kind: "external",
    summary: "an external process, outside optprov's registry, whose algorithm is not declared here",
    searches: "declared",
    step: "steps",
    params: PARAMS.external,
  },
};

/**
 * Whether a process evaluates many alternatives and keeps the best.
 *
 * @example processSearches({ kind: "best-of-n", params: { n: 8 }, budget: { maxSteps: 8, maxWallSeconds: 60 } }) === true
 */
export function processSearches(process: Process): boolean {
  return process.kind === "external"
    ? process.params.searches
    : PROCESS_REGISTRY[process.kind].searches === true;
}

/**
 * Whether `kind` names a registered process kind.
 *
 * @example isProcessKind("q-learning") === true
 */
export function isProcessKind(kind: unknown): kind is ProcessKind {
  return typeof kind === "string" && (PROCESS_KINDS as readonly string[]).includes(kind);
}

export type ProcessErrorCode =
  /** The process is not an object, or a field has the wrong type outside params and budget. */
  | "SHAPE_INVALID"
  | "FIELD_MISSING"
  /** A field the schema does not know (a misspelt parameter, say); the error suggests the closest. */
  | "FIELD_UNKNOWN"
  | "PROCESS_KIND_UNKNOWN"
  /** A parameter of the wrong type or outside its range. */
  | "PARAMS_INVALID"
  | "BUDGET_INVALID"
  /** An unknown or repeated kind in `mayCreate`. */
  | "MAY_CREATE_INVALID";

/** A problem with a process declaration, at a path inside it (`params.alpha`). */
export class ProcessError extends PartError<ProcessErrorCode> {}

export interface ProcessValidation {
  /** The process, typed, when there are no errors. */
  readonly process: Process | undefined;
  readonly errors: readonly ProcessError[];
}

/**
 * Check a (possibly hostile) process declaration: its kind, its parameters against the kind's
 * schema, its budget, and `mayCreate`. Never throws for bad input; every problem is in `errors`.
 *
 * @example
 * validateProcess({ kind: "q-learning", params: { alpha: 0.1, gamma: 0.9, epsilon: 1.5 },
 *   budget: { maxSteps: 1000, maxWallSeconds: 60 } }).errors[0]?.path // "params.epsilon"
 */
export function validateProcess(input: unknown): ProcessValidation {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return { process: undefined, errors: [new ProcessError("SHAPE_INVALID", "expected an object", "")] };
  }
  const errors = schemaIssues(processSchema, input).map(toProcessError);
  const mayCreate = (input as { mayCreate?: unknown }).mayCreate;
  if (Array.isArray(mayCreate)) {
    const seen = new Set<unknown>();
    mayCreate.forEach((kind, i) => {
      if (seen.has(kind))
        errors.push(
          new ProcessError("MAY_CREATE_INVALID", `${String(kind)} is listed twice`, `mayCreate[${i}]`),
        );
      seen.add(kind);
    });
  }
  return { process: errors.length === 0 ? (input as Process) : undefined, errors };
}

function toProcessError(issue: SchemaIssue): ProcessError {
  const path = formatPath(issue.path);
  const area = issue.path[0];
  switch (issue.problem) {
    case "missing":
      return new ProcessError("FIELD_MISSING", issue.message, path);
    case "unknown-key":
      return new ProcessError("FIELD_UNKNOWN", issue.message, path, issue.suggestion);
    case "unknown-discriminator":
      return new ProcessError("PROCESS_KIND_UNKNOWN", issue.message, path, issue.suggestion);
    default:
      return new ProcessError(codeFor(area, issue.path), issue.message, path);
  }
}

function codeFor(area: PathSegment | undefined, path: readonly PathSegment[]): ProcessErrorCode {
  if (area === "params") return "PARAMS_INVALID";
  if (area === "budget") return "BUDGET_INVALID";
  if (area === "mayCreate" && path.length > 1) return "MAY_CREATE_INVALID";
  return "SHAPE_INVALID";
}

/**
 * The closest registered kind to a misspelt one.
 *
 * @example suggestProcessKind("q_learning") === "q-learning"
 */
export function suggestProcessKind(kind: string): ProcessKind | undefined {
  return suggest(kind, PROCESS_KINDS) as ProcessKind | undefined;
}
