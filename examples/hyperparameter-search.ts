/**
 * npx tsx examples/hyperparameter-search.ts [ledger]
 *
 * Three generations of optimizers in one provenance graph:
 *
 *   alice -> hp-search (best-of-n over learning rates)
 *              -> hp-train-* (gradient descent on a small regression task, one per learning rate)
 *                   -> hp-recommender-* (exhaustive search that uses the trained model)
 *
 * The task: predict a field's yield from water, fertiliser and sunlight (quadratic features, so the
 * model is linear in its parameters), from data drawn with a seeded generator.
 *
 * Which optimizer is the third generation, honestly? A fitted regression on its own optimizes
 * nothing: it maps inputs to a prediction. It becomes an optimizer when it is used to choose, so
 * each training run that converges creates the recommender built on the model it just trained: an
 * exhaustive search over water and fertiliser settings whose world model is that regression (an
 * implicit world model, declared by the model artifact's digest and a probe of its accuracy on
 * held-out data) and whose objective is predicted yield minus the cost of water and fertiliser.
 * The training run is its creator because the training run made its world model; a run that
 * diverges produces no usable model and creates nothing. The search keeps the best of the runs by
 * validation error and says which recommender that selects.
 */
import {
  evaluateObjective,
  type ImplicitWorldModel,
  intVariable,
  type OptimizerSpec,
  parseObjective,
  realVariable,
  seededRng,
  type Value,
} from "optprov/model";
import type { Optimizer } from "optprov/sdk";
import { spawnSpecFrom } from "optprov/sdk";
import { digestOf, type ExampleOptions, exampleLedgerPath, isMain, openExampleLedger } from "./run-all.js";

export interface HyperparameterSearchOptions extends ExampleOptions {
  /** The learning rates tried, one training run each (default 0.03, 0.1, 0.3, 1). */
  readonly learningRates?: readonly number[];
  /** Full-batch gradient steps per training run (default 2,000). */
  readonly epochs?: number;
  /** Examples generated; a quarter are held out for validation (default 200). */
  readonly samples?: number;
  readonly seed?: number;
}

// --- the task -------------------------------------------------------------------------------------
type Example = {
  readonly water: number;
  readonly fertiliser: number;
  readonly sunlight: number;
  readonly yield: number;
};
/** The truth the data comes from; the learners never see it. Diminishing returns on water and fertiliser. */
const TRUE = { water: 4, water2: -2.5, fertiliser: 3, fertiliser2: -2, sunlight: 1, bias: 0.5 };
const NOISE = 0.1;

const features = (x: { water: number; fertiliser: number; sunlight: number }) => [
  x.water,
  x.water * x.water,
  x.fertiliser,
  x.fertiliser * x.fertiliser,
  x.sunlight,
];
const FEATURE_NAMES = ["water", "water^2", "fertiliser", "fertiliser^2", "sunlight"];

function trueYield(x: { water: number; fertiliser: number; sunlight: number }): number {
  const [w, w2, f, f2, s] = features(x) as [number, number, number, number, number];
  return (
    TRUE.water * w +
    TRUE.water2 * w2 +
    TRUE.fertiliser * f +
    TRUE.fertiliser2 * f2 +
    TRUE.sunlight * s +
    TRUE.bias
  );
}

function generate(samples: number, seed: number): { train: Example[]; validation: Example[] } {
  const rng = seededRng(seed);
  // Box-Muller for Gaussian noise.
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const data = Array.from({ length: samples }, () => {
    const x = { water: rng(), fertiliser: rng(), sunlight: rng() };
    return { ...x, yield: trueYield(x) + NOISE * gauss() };
  });
  const cut = Math.floor(samples * 0.75);
  return { train: data.slice(0, cut), validation: data.slice(cut) };
}

interface Linear {
  readonly weights: readonly number[];
  readonly bias: number;
}

const predictYield = (m: Linear, x: { water: number; fertiliser: number; sunlight: number }) =>
  features(x).reduce((sum, f, i) => sum + f * m.weights[i]!, m.bias);

function mse(m: Linear, data: readonly Example[]): number {
  return data.reduce((sum, e) => sum + (predictYield(m, e) - e.yield) ** 2, 0) / data.length;
}

// --- the three kinds of optimizer -----------------------------------------------------------------
/** Water and fertiliser in tenths of the maximum; a tenth costs as much as 0.06 and 0.09 t/ha of yield. */
const RECOMMENDER_OBJECTIVE = {
  sense: "maximize",
  expr: "yield - water_cost * water - fertiliser_cost * fertiliser",
  constants: { water_cost: 0.06, fertiliser_cost: 0.09 },
} as const;
/** The recommender's search space: water and fertiliser from 0 to 10 tenths, under tomorrow's sun. */
const GRID = Array.from({ length: 11 }, (_, i) => i);
const FORECAST_SUNLIGHT = 0.7;

/** The recommender's objective measured on the truth instead of a model (tenths of water and fertiliser). */
const trueValue = (water: number, fertiliser: number) =>
  trueYield({ water: water / 10, fertiliser: fertiliser / 10, sunlight: FORECAST_SUNLIGHT }) -
  0.06 * water -
  0.09 * fertiliser;

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;

export interface TrainingOutcome {
  readonly run: string;
  readonly learningRate: number;
  readonly diverged: boolean;
  readonly validationMse: number | undefined;
  readonly recommender: string | undefined;
  /** The recommended setting, and the objective's true value there (the truth the data came from). */
  readonly recommendation:
    | { readonly water: number; readonly fertiliser: number; readonly trueValue: number }
    | undefined;
}

export interface HyperparameterSearchResult {
  readonly search: string;
  readonly runs: readonly TrainingOutcome[];
  readonly best: TrainingOutcome;
}

/**
 * One training run: full-batch gradient descent on the mean squared error, one step per update.
 * If the loss blows up the run stops itself and reports that it diverged.
 */
async function train(
  run: Optimizer,
  data: { train: readonly Example[]; validation: readonly Example[] },
  learningRate: number,
  epochs: number,
): Promise<{ model: Linear; diverged: boolean }> {
  return run.run((ctx) => {
    const weights = FEATURE_NAMES.map(() => 0);
    let bias = 0;
    for (let epoch = 0; epoch < epochs; epoch++) {
      const grad = weights.map(() => 0);
      let gradBias = 0;
      let loss = 0;
      for (const e of data.train) {
        const err = predictYield({ weights, bias }, e) - e.yield;
        loss += err * err;
        features(e).forEach((f, i) => {
          grad[i]! += (2 * err * f) / data.train.length;
        });
        gradBias += (2 * err) / data.train.length;
      }
      loss /= data.train.length;
      if (!Number.isFinite(loss) || loss > 1e6) {
        ctx.step({ epoch, diverged: 1 });
        return { model: { weights, bias }, diverged: true };
      }
      ctx.step({ epoch, loss: round(loss, 6) });
      weights.forEach((_, i) => {
        weights[i]! -= learningRate * grad[i]!;
      });
      bias -= learningRate * gradBias;
    }
    const model = { weights: weights.map((w) => round(w, 6)), bias: round(bias, 6) };
    ctx.emit({
      name: `${run.name}/model`,
      digest: digestOf(model),
      mediaType: "application/json",
      data: { features: FEATURE_NAMES, ...model, validationMse: round(mse(model, data.validation), 6) },
    });
    return { model, diverged: false };
  });
}

/**
 * The training run creates the recommender that uses its model, and runs it: every water and
 * fertiliser setting on the grid, each a world-model query and an evaluation of the objective.
 */
async function recommend(
  run: Optimizer,
  name: string,
  model: Linear,
  validation: readonly Example[],
): Promise<{ recommender: Optimizer; water: number; fertiliser: number }> {
  const ledger = run.ledger;
  const modelEntry = ledger.state.optimizers.get(run.name)!.artifacts.at(-1)!;
  const within = validation.filter((e) => Math.abs(predictYield(model, e) - e.yield) <= 0.25).length;
  const worldModel: ImplicitWorldModel = {
    kind: "implicit",
    artifact: {
      name: `${run.name}/model`,
      digest: `sha256:${digestOf(model)}`,
      uri: `urn:optprov:ledger-entry:${modelEntry}`,
    },
    description:
      "a regression of yield on water, fertiliser and sunlight, fitted by the training run that created this optimizer",
    probes: [
      {
        variable: "yield",
        probe: "behavioural",
        accuracy: round(within / validation.length, 3),
        dataset: `sha256:${digestOf(validation)}`,
        note: "held-out examples predicted within 0.25 of the true yield",
      },
    ],
    variables: [
      intVariable("water", 0, 10, ["decision"]),
      intVariable("fertiliser", 0, 10, ["decision"]),
      realVariable("sunlight", "fraction of a clear day", ["observation"]),
      realVariable("yield", "t/ha", ["outcome"]),
    ],
  };
  const document: OptimizerSpec = {
    name: "yield recommender",
    description:
      "Recommends water and fertiliser by trying every setting on the grid with a trained regression.",
    worldModel,
    objective: RECOMMENDER_OBJECTIVE,
    process: {
      kind: "exhaustive-search",
      params: { space: "water and fertiliser from 0 to 10 tenths of the maximum" },
      budget: { maxSteps: GRID.length * GRID.length, maxWallSeconds: 60 },
    },
  };
  const objective = parseObjective(`${RECOMMENDER_OBJECTIVE.sense} ${RECOMMENDER_OBJECTIVE.expr}`);
  const recommender = await run.spawn(
    spawnSpecFrom(document, {
      name,
      model: {
        predict: (x) => {
          const { water, fertiliser, sunlight } = x as {
            water: number;
            fertiliser: number;
            sunlight: number;
          };
          return round(predictYield(model, { water: water / 10, fertiliser: fertiliser / 10, sunlight }));
        },
        evaluate: (state) =>
          evaluateObjective(objective, state as Record<string, Value>, {
            constants: RECOMMENDER_OBJECTIVE.constants,
          }),
      },
    }),
  );
  const best = await recommender.run((ctx) => {
    let top = { water: 0, fertiliser: 0, score: Number.NEGATIVE_INFINITY, yield: 0 };
    for (const water of GRID)
      for (const fertiliser of GRID) {
        const predicted = ctx.predict({ water, fertiliser, sunlight: FORECAST_SUNLIGHT }) as number;
        const score = ctx.evaluate({ yield: predicted, water, fertiliser }) as number;
        ctx.step({ water, fertiliser, score: round(score) });
        if (score > top.score) top = { water, fertiliser, score, yield: predicted };
      }
    ctx.emit({
      name: `${name}/recommendation`,
      mediaType: "application/json",
      data: {
        water: top.water,
        fertiliser: top.fertiliser,
        sunlight: FORECAST_SUNLIGHT,
        predictedYield: top.yield,
      },
    });
    return top;
  });
  return { recommender, water: best.water, fertiliser: best.fertiliser };
}

/**
 * Run the search: one training run per learning rate, each creating its recommender, then keep the best.
 *
 * @example const { best } = await run({ ledgerPath: "/tmp/ledger.db", epochs: 50 });
 */
export async function run(options: HyperparameterSearchOptions): Promise<HyperparameterSearchResult> {
  const learningRates = options.learningRates ?? [0.03, 0.1, 0.3, 1];
  const epochs = options.epochs ?? 2000;
  const data = generate(options.samples ?? 200, options.seed ?? 7);
  const { ledger, root, run: id, say } = await openExampleLedger(options);
  try {
    // The search holds no model of the task: it learns what a learning rate does by running a
    // training run with it. Its world model is implicit in the task itself (the data, by digest).
    const task = {
      name: "yield data",
      digest: `sha256:${digestOf(data)}`,
      uri: `urn:optprov:example:yield-data:seed-${options.seed ?? 7}`,
    };
    const searchDoc: OptimizerSpec = {
      name: "learning-rate search",
      description: "Trains one model per learning rate and keeps the one with the lowest validation error.",
      worldModel: {
        kind: "implicit",
        artifact: task,
        description: "none of its own: each candidate is measured by running it on the task",
        probes: [],
        variables: [
          realVariable("learning_rate", "", ["decision"]),
          realVariable("validation_mse", "", ["outcome"]),
        ],
      },
      objective: { sense: "minimize", expr: "validation_mse" },
      process: {
        kind: "best-of-n",
        params: { n: learningRates.length },
        budget: { maxSteps: learningRates.length, maxWallSeconds: 600 },
        mayCreate: ["gradient-descent"],
      },
    };
    const search = await root.spawn(spawnSpecFrom(searchDoc, { name: `hp-search-${id}` }));
    say(
      `#${ledger.state.optimizers.get(search.name)!.index} alice creates ${search.name} (best-of-n over ${learningRates.length} learning rates)`,
    );

    const runs = await search.run(async (ctx) => {
      const outcomes: TrainingOutcome[] = [];
      for (const [i, learningRate] of learningRates.entries()) {
        // A training run's world model is the regression it fits: implicit in its weights, which
        // start at zero; what it learns from is the training data, by digest.
        const trainDoc: OptimizerSpec = {
          name: "yield regression training",
          description: `Fits yield = w . (${FEATURE_NAMES.join(", ")}) + b by full-batch gradient descent on the mean squared error.`,
          worldModel: {
            kind: "implicit",
            artifact: { ...task, name: "yield training data", digest: `sha256:${digestOf(data.train)}` },
            description:
              "a linear model of yield, quadratic in water and fertiliser, whose weights this run fits",
            probes: [],
            variables: [
              ...FEATURE_NAMES.map((f) => realVariable(`w_${f.replace("^2", "2")}`, "", ["decision"])),
              realVariable("training_mse", "", ["outcome"]),
            ],
          },
          objective: { sense: "minimize", expr: "training_mse" },
          process: {
            kind: "gradient-descent",
            params: { learningRate, batchSize: data.train.length, optimizer: "sgd" },
            budget: { maxSteps: epochs, maxWallSeconds: 600 },
            mayCreate: ["exhaustive-search"],
          },
        };
        const trainer = await search.spawn(spawnSpecFrom(trainDoc, { name: `hp-train-${id}-${i}` }));
        const { model, diverged } = await train(trainer, data, learningRate, epochs);
        const validationMse = diverged ? undefined : mse(model, data.validation);
        ctx.step(
          validationMse === undefined
            ? { learningRate, diverged: 1 }
            : { learningRate, validationMse: round(validationMse, 6) },
        );
        let recommender: string | undefined;
        let recommendation: TrainingOutcome["recommendation"];
        if (!diverged) {
          const r = await recommend(trainer, `hp-recommender-${id}-${i}`, model, data.validation);
          recommender = r.recommender.name;
          recommendation = {
            water: r.water,
            fertiliser: r.fertiliser,
            trueValue: round(trueValue(r.water, r.fertiliser), 3),
          };
        }
        outcomes.push({
          run: trainer.name,
          learningRate,
          diverged,
          validationMse,
          recommender,
          recommendation,
        });
      }
      const best = outcomes
        .filter((o) => o.validationMse !== undefined)
        .sort((a, b) => a.validationMse! - b.validationMse!)[0];
      if (best === undefined) throw new Error("every training run diverged: no model to select");
      ctx.emit({
        name: `${search.name}/selection`,
        mediaType: "application/json",
        data: {
          learningRate: best.learningRate,
          run: best.run,
          recommender: best.recommender ?? null,
          validationMse: round(best.validationMse!, 6),
        },
      });
      return outcomes;
    });

    const best = runs
      .filter((o) => o.validationMse !== undefined)
      .sort((a, b) => a.validationMse! - b.validationMse!)[0]!;
    for (const o of runs) {
      const trainer = ledger.state.optimizers.get(o.run)!;
      const line = o.diverged
        ? `diverged after ${trainer.steps} steps, created nothing`
        : `validation MSE ${round(o.validationMse!, 4)}; created ${o.recommender} (#${ledger.state.optimizers.get(o.recommender!)!.index}), which recommends water ${o.recommendation!.water}/10, fertiliser ${o.recommendation!.fertiliser}/10`;
      say(`  #${trainer.index} ${o.run} (learning rate ${o.learningRate}): ${line}`);
    }
    const ideal = Math.max(...GRID.flatMap((w) => GRID.map((f) => trueValue(w, f))));
    say(
      `  ${search.name} selects ${best.run} (learning rate ${best.learningRate}); at its recommender's setting the objective's true value is ${best.recommendation!.trueValue} (the best on the grid: ${round(ideal, 3)})`,
    );
    return { search: search.name, runs, best };
  } finally {
    await ledger.close();
  }
}

if (isMain(import.meta.url)) await run({ ledgerPath: exampleLedgerPath(process.argv[2]) });
