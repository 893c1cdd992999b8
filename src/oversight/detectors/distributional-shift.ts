/**
 * Distributional shift: the world stops matching the world model an optimizer declared. New
 * observations (what a deployed optimizer sees, episode by episode) are measured against its
 * explicit world model with the consistency radius (`model/world-model/consistency-radius.ts`:
 * the fewest observed values that must change for an observation to agree with some global
 * section). An episode whose radius reaches the threshold contains something the model says cannot
 * happen: lava where it learned floor, an episode ending where it never ended.
 *
 * The threshold is a radius of 1, the smallest there is: the world models here are learned counts,
 * which say "possible" for anything seen even once, so an observation they cannot explain at all is
 * news, not noise. One threshold for every environment (issue 5). Values outside a variable's
 * domain, or for variables the model does not have, cannot be explained either: each counts as one
 * value to change.
 */
import type { Assignment } from "../../model/world-model/assignment.js";
import { consistencyRadius } from "../../model/world-model/consistency-radius.js";
import { domainContains } from "../../model/world-model/domain.js";
import { parseWorldModel, type WorldModel } from "../../model/world-model/world-model.js";
import { DetectorError, type Finding } from "./finding.js";

/** The observations of one episode (or any window a caller chooses). */
export interface ObservedEpisode {
  readonly episode: number;
  readonly observations: readonly Readonly<Record<string, unknown>>[];
  /** The ledger entry that recorded them, when there is one. */
  readonly entry?: number;
}

export interface ShiftInput {
  readonly optimizer?: string;
  /** The world model the optimizer declared (its spec's explicit model). */
  readonly model: WorldModel;
  readonly episodes: readonly ObservedEpisode[];
}

export interface ShiftThresholds {
  /** An episode is shifted when its consistency radius reaches this. */
  readonly radius: number;
}

export const SHIFT_DEFAULTS: ShiftThresholds = { radius: 1 };

/** Observations measured in one call; more is refused (window them first). */
export const SHIFT_MAX_OBSERVATIONS = 200_000;

/** One observation the model could not explain. */
export interface UnexplainedObservation {
  readonly episode: number;
  readonly observation: Readonly<Record<string, unknown>>;
  readonly distance: number;
  /** Local models with no row agreeing with it. */
  readonly disagreeing: readonly string[];
  /** Variables the model lacks or values outside their domain. */
  readonly unknown: readonly string[];
}

/** Per episode: its radius and the observations it could not explain. */
export interface EpisodeShift {
  readonly episode: number;
  readonly radius: number;
  readonly meanDistance: number;
  readonly unexplained: readonly UnexplainedObservation[];
}

/**
 * Measure each episode's observations against the model; per episode the radius and what did not fit.
 *
 * @throws {DetectorError} `INPUT_TOO_LARGE` past {@link SHIFT_MAX_OBSERVATIONS};
 *   `SERIES_INVALID` for an observation that is not an object or a model that does not parse.
 * @example measureShift({ model, episodes: [{ episode: 0, observations: [{ cell: "2,3", tile: "lava" }] }] })[0]?.radius
 */
export function measureShift(input: ShiftInput): EpisodeShift[] {
  let model: WorldModel;
  try {
    model = parseWorldModel(input.model);
  } catch (cause) {
    throw new DetectorError("SERIES_INVALID", `world model: ${(cause as Error).message}`, { cause });
  }
  const total = input.episodes.reduce((n, e) => n + e.observations.length, 0);
  if (total > SHIFT_MAX_OBSERVATIONS)
    throw new DetectorError(
      "INPUT_TOO_LARGE",
      `expected at most ${SHIFT_MAX_OBSERVATIONS} observations, got ${total}; measure windows of episodes`,
    );
  const variables = new Map(model.variables.map((v) => [v.name, v]));
  const cleaned: Assignment[] = [];
  const unknownOf: string[][] = [];
  const owner: number[] = [];
  const originals: Readonly<Record<string, unknown>>[] = [];
  input.episodes.forEach((e, i) => {
    for (const o of e.observations) {
      if (typeof o !== "object" || o === null || Array.isArray(o))
        throw new DetectorError("SERIES_INVALID", `episode ${e.episode}: expected observations as objects`);
      const keep: Record<string, boolean | string | number> = {};
      const unknown: string[] = [];
      for (const [name, value] of Object.entries(o)) {
        const v = variables.get(name);
        if (v !== undefined && domainContains(v.domain, value)) keep[name] = value;
        else unknown.push(name);
      }
      cleaned.push(keep);
      originals.push(o);
      unknownOf.push(unknown);
      owner.push(i);
    }
  });
  const measured = cleaned.length > 0 ? consistencyRadius(model, cleaned).observations : [];
  const shifts = input.episodes.map((e) => ({
    episode: e.episode,
    radius: 0,
    sum: 0,
    count: 0,
    unexplained: [] as UnexplainedObservation[],
  }));
  measured.forEach((m, k) => {
    const s = shifts[owner[k] as number];
    if (s === undefined) return;
    const unknown = unknownOf[k] as string[];
    // No section at all (an empty model) leaves the distance unknown: every observed value must go.
    const distance = (m.distance ?? m.observedVariables) + unknown.length;
    s.radius = Math.max(s.radius, distance);
    s.sum += distance;
    s.count++;
    if (distance > 0)
      s.unexplained.push({
        episode: s.episode,
        observation: originals[k] ?? {},
        distance,
        disagreeing: m.disagreeing,
        unknown,
      });
  });
  return shifts.map((s) => ({
    episode: s.episode,
    radius: s.radius,
    meanDistance: s.count === 0 ? 0 : s.sum / s.count,
    unexplained: s.unexplained,
  }));
}

/**
 * Fire when an episode's consistency radius reaches the threshold: one finding, at the first such
 * episode, listing the observations the model could not explain and the local models they contradict.
 *
 * @throws {DetectorError} as {@link measureShift}, and `OPTION_INVALID` for a radius below 1.
 * @example
 * detectDistributionalShift({ optimizer: "planner", model, episodes })[0]?.firstAt?.episode
 */
export function detectDistributionalShift(
  input: ShiftInput,
  thresholds: Partial<ShiftThresholds> = {},
): Finding[] {
  const t = { ...SHIFT_DEFAULTS, ...thresholds };
  if (!(t.radius >= 1))
    throw new DetectorError("OPTION_INVALID", `radius: expected a number >= 1, got ${t.radius}`);
  const shifts = measureShift(input);
  const crossed = shifts.filter((s) => s.radius >= t.radius);
  const first = crossed[0];
  if (first === undefined) return [];
  const who = input.optimizer ?? "the optimizer";
  const shown = crossed.flatMap((s) => s.unexplained).slice(0, 20);
  const describe = (u: UnexplainedObservation) =>
    `${Object.entries(u.observation)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(
        " ",
      )} (contradicts ${[...u.disagreeing, ...u.unknown.map((n) => `unknown ${n}`)].join(", ") || "the model"})`;
  const entry = input.episodes.find((e) => e.episode === first.episode)?.entry;
  return [
    {
      detector: "distributional-shift",
      code: "WORLD_MODEL_MISMATCH",
      severity: "high",
      ...(input.optimizer !== undefined ? { optimizer: input.optimizer } : {}),
      message: `${who}'s world model no longer matches what it observes: in episode ${first.episode} the consistency radius is ${first.radius} (threshold ${t.radius}), ${first.unexplained.length} observation(s) it cannot explain, e.g. ${describe(first.unexplained[0] as UnexplainedObservation)}; ${crossed.length} of ${shifts.length} episodes cross the threshold`,
      evidence: {
        episodes: crossed.map((s) => s.episode).slice(0, 50),
        rows: shown,
        ...(entry !== undefined ? { entries: [entry] } : {}),
        numbers: {
          radius: first.radius,
          threshold: t.radius,
          episodesShifted: crossed.length,
          episodes: shifts.length,
          meanDistance: first.meanDistance,
        },
      },
      firstAt: { episode: first.episode, ...(entry !== undefined ? { entry } : {}) },
    },
  ];
}
