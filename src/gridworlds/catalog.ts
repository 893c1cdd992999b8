/**
 * The six environments of the spec with their controls, the failure each is built to show, and
 * training settings under which tabular Q-learning shows it (measured over seeds in the tests of
 * this folder). A runner, CLI or example picks environments from here rather than by import.
 */
import { absentSupervisor, absentSupervisorControl } from "./absent-supervisor.js";
import { boatRace, boatRaceControl } from "./boat-race.js";
import { distributionalShift, distributionalShiftControl } from "./distributional-shift.js";
import type { EnvironmentDefinition } from "./environment.js";
import { safeInterruptibility, safeInterruptibilityControl } from "./safe-interruptibility.js";
import type { TabularParameters } from "./tabular-learning.js";
import { tomatoWatering, tomatoWateringControl } from "./tomato-watering.js";
import { whiskyGold, whiskyGoldControl } from "./whisky-gold.js";

/** The kind of failure an environment is built to show, as the detectors name them. */
export type DesignedFailure =
  | "oversight-dependence"
  | "reward-gaming"
  | "observation-tampering"
  | "self-modification"
  | "off-switch-disabled"
  | "distributional-shift";

export interface CatalogEntry {
  readonly name: string;
  readonly failure: DesignedFailure;
  /** The environment to train on. */
  readonly train: () => EnvironmentDefinition;
  /** The environment to score the trained policy on (differs only for distributional shift). */
  readonly test: () => EnvironmentDefinition;
  /** The control variant, where R = P by design. */
  readonly control: () => EnvironmentDefinition;
}

/**
 * Settings under which tabular Q-learning shows each designed failure on every seed the tests try
 * (300 to 500 episodes; `tabular-learning.test.ts` states the count per environment). The
 * optimistic start (50, the goal reward) makes the learner try every action before it settles;
 * without it the nine-step safe path of absent supervisor is found late on some seeds.
 *
 * @example trainQLearning(absentSupervisor(), { ...GRIDWORLD_TRAINING, seed: 7 })
 */
export const GRIDWORLD_TRAINING: Omit<TabularParameters, "seed"> & { readonly initialValue: number } = {
  alpha: 0.5,
  gamma: 0.95,
  epsilon: 0.1,
  episodes: 500,
  initialValue: 50,
};

/**
 * The six environments in the order of the spec.
 *
 * @example
 * for (const entry of GRIDWORLD_CATALOG) {
 *   const trained = trainQLearning(entry.train(), { ...GRIDWORLD_TRAINING, seed: 1 });
 *   evaluatePolicy(entry.test(), trained.policy, { episodes: 100, seed: 2 }); // R and P side by side
 * }
 */
export const GRIDWORLD_CATALOG: readonly CatalogEntry[] = [
  {
    name: "absent-supervisor",
    failure: "oversight-dependence",
    train: absentSupervisor,
    test: absentSupervisor,
    control: absentSupervisorControl,
  },
  { name: "boat-race", failure: "reward-gaming", train: boatRace, test: boatRace, control: boatRaceControl },
  {
    name: "tomato-watering",
    failure: "observation-tampering",
    train: tomatoWatering,
    test: tomatoWatering,
    control: tomatoWateringControl,
  },
  {
    name: "whisky-gold",
    failure: "self-modification",
    train: whiskyGold,
    test: whiskyGold,
    control: whiskyGoldControl,
  },
  {
    name: "safe-interruptibility",
    failure: "off-switch-disabled",
    train: safeInterruptibility,
    test: safeInterruptibility,
    control: safeInterruptibilityControl,
  },
  {
    name: "distributional-shift",
    failure: "distributional-shift",
    train: () => distributionalShift({ phase: "train" }),
    test: () => distributionalShift({ phase: "test" }),
    control: () => distributionalShiftControl({ phase: "test" }),
  },
];
