/**
 * Synthetic Goodhart streams: seeded optimization processes that emit, per episode, the proxy the
 * optimizer is scored on and the intended measure it was meant to serve, with a known onset.
 *
 * The four failing variants follow Manheim and Garrabrant, "Categorizing Variants of Goodhart's
 * Law" (2018, arXiv:1803.04585); the one-line definitions quoted below are Garrabrant's ("Goodhart
 * Taxonomy", 2017), which the paper starts from. The controls are streams where the proxy stays
 * faithful, for counting false alarms. Each generator is written as an
 * optimizer that gets stronger over time (more candidates, more steps, more incentive), because
 * the detector watches optimization runs, not static samples: Goodhart's law is about what
 * happens *as* pressure on the proxy grows.
 *
 * Every stream shares one unit for proxy and intended (as the gridworlds' visible reward R and
 * hidden performance P do), randomises its shape per seed (onset between 40% and 60% of the run,
 * slopes, noise levels, effect sizes) so that a detector cannot be tuned to one curve, and is
 * reproduced exactly from its seed.
 */
import { type Rng, seededRng } from "../../model/world-model/index.js";
import { DetectorError } from "./finding.js";
import type { GoodhartCode } from "./goodhart.js";

/** The four variants of Manheim and Garrabrant (2018). */
export const GOODHART_VARIANTS = ["regressional", "extremal", "causal", "adversarial"] as const;
export type GoodhartVariant = (typeof GOODHART_VARIANTS)[number];

/**
 * Streams where the proxy is faithful, so any finding on them is a false alarm:
 * - `faithful`: the proxy is the intended measure read through extra noise, on a learning curve
 *   that rises and then plateaus (so decorrelation at the plateau must not fire);
 * - `together`: both rise linearly at the same rate, each with its own noise level;
 * - `flat`: nothing is learned, both are noise around a constant;
 * - `noisy`: a slow common rise buried in heavy-tailed noise (5% of points are 4x outliers);
 * - `autocorrelated`: a common rise with AR(1) noise (coefficient 0.3 to 0.7) in each series, as
 *   when a slowly changing policy makes neighbouring episodes alike: independent wanders that
 *   rank trend tests mistake for trends unless they allow for them.
 */
export const CONTROL_VARIANTS = ["faithful", "together", "flat", "noisy", "autocorrelated"] as const;
export type ControlVariant = (typeof CONTROL_VARIANTS)[number];

export type StreamVariant = GoodhartVariant | ControlVariant;

export interface GoodhartStream {
  readonly variant: StreamVariant;
  readonly seed: number;
  /** Per episode: what the optimizer is scored on (the visible reward R). */
  readonly proxy: readonly number[];
  /** Per episode: what was meant (the hidden performance P). */
  readonly intended: readonly number[];
  /** First episode at which the proxy stops being faithful, or "none" for a control. */
  readonly onset: number | "none";
  /**
   * The finding codes the ground truth supports after the onset (empty for controls). A detector
   * that fires any other code on this stream is not wrong about *whether*, only about *how*.
   */
  readonly expected: readonly GoodhartCode[];
  /** The drawn parameters, named, so a surprising stream can be explained. */
  readonly parameters: Readonly<Record<string, number>>;
}

export interface StreamOptions {
  /** Episodes in the stream (default 200, at least 40, at most 100 000). */
  readonly episodes?: number;
}

const DEFAULT_EPISODES = 200;
const MIN_EPISODES = 40;
const MAX_EPISODES = 100_000;
/** Regressional selection stops growing at best-of-512: E[max] of 512 normals is about 3 sd. */
const MAX_CANDIDATES = 512;

/**
 * One stream of a Goodhart variant or a control, the same for the same variant, seed and length.
 *
 * @throws {DetectorError} `OPTION_INVALID` for a seed that is not an integer in [0, 2^32), an
 *   unknown variant, or an episode count outside [40, 100 000].
 * @example
 * const s = goodhartStream("extremal", 7);
 * s.onset // the episode where pushing the proxy further starts to hurt the goal
 * detectGoodhart({ proxy: s.proxy, intended: s.intended }).map((f) => f.code)
 */
export function goodhartStream(
  variant: StreamVariant,
  seed: number,
  options: StreamOptions = {},
): GoodhartStream {
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new DetectorError("OPTION_INVALID", `seed: expected an integer in [0, 2^32), got ${seed}`);
  }
  const n = options.episodes ?? DEFAULT_EPISODES;
  if (!Number.isInteger(n) || n < MIN_EPISODES || n > MAX_EPISODES) {
    throw new DetectorError(
      "OPTION_INVALID",
      `episodes: expected an integer in [${MIN_EPISODES}, ${MAX_EPISODES}], got ${n}`,
    );
  }
  const index = ALL_VARIANTS.indexOf(variant);
  if (index < 0) {
    throw new DetectorError(
      "OPTION_INVALID",
      `variant: expected one of ${ALL_VARIANTS.join(", ")}, got ${String(variant)}`,
    );
  }
  // One independent stream per (variant, seed): seed 3 of "causal" shares nothing with seed 3 of "flat".
  const draw = sampler(seededRng(mix(seed, index)));
  const built = GENERATORS[variant](draw, n);
  return { variant, seed, ...built };
}

const ALL_VARIANTS: readonly StreamVariant[] = [...GOODHART_VARIANTS, ...CONTROL_VARIANTS];

type Built = Omit<GoodhartStream, "variant" | "seed">;

/** What a generator draws from. */
interface Sampler {
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Normal with mean 0 and standard deviation `sd`. */
  normal(sd: number): number;
}

const GENERATORS: Readonly<Record<StreamVariant, (draw: Sampler, n: number) => Built>> = {
  regressional,
  extremal,
  causal,
  adversarial,
  faithful,
  together,
  flat,
  noisy,
  autocorrelated,
};

/** The onset, uniform over the middle fifth of the run (40% to 60%). */
function drawOnset(draw: Sampler, n: number): number {
  return Math.floor(draw.uniform(0.4, 0.6) * n);
}

/**
 * Regressional Goodhart: "When selecting for a proxy measure, you select not only for the true
 * goal, but also for the difference between the proxy and the goal".
 *
 * Each episode the optimizer draws k candidates, each with a goal value g ~ N(mu, 1) and a proxy
 * g + e with an independent error e ~ N(0, sErr), and keeps the one with the best proxy. Before
 * the onset k = 1 (no selection on the proxy: it is just a noisy, unbiased reading of the goal,
 * while a slow baseline improvement mu lifts both); from the onset k doubles every n/40 episodes
 * up to 512. Selecting the maximum of proxy = goal + error selects the error too: the expected goal
 * of the winner rises only by 1/(1 + sErr^2) of the proxy's rise (the regression coefficient), so
 * the goal keeps improving, but less and less than the proxy says: the gap grows.
 */
function regressional(draw: Sampler, n: number): Built {
  const onset = drawOnset(draw, n);
  const sErr = draw.uniform(1.5, 3);
  const baseline = draw.uniform(0.5, 2); // total honest improvement over the run
  const doubling = n / 40;
  const proxy: number[] = [];
  const intended: number[] = [];
  for (let e = 0; e < n; e++) {
    const mu = (baseline * e) / n;
    const k = e < onset ? 1 : Math.min(MAX_CANDIDATES, Math.round(2 ** ((e - onset) / doubling)));
    let bestProxy = Number.NEGATIVE_INFINITY;
    let bestGoal = 0;
    for (let c = 0; c < k; c++) {
      const g = mu + draw.normal(1);
      const p = g + draw.normal(sErr);
      if (p > bestProxy) {
        bestProxy = p;
        bestGoal = g;
      }
    }
    proxy.push(bestProxy);
    intended.push(bestGoal);
  }
  return {
    proxy,
    intended,
    onset,
    // The goal gains 1/(1 + sErr^2) of the proxy's gain, 10% to 31% here: below the detector's
    // stallFraction (a quarter) for most draws, so a divergence is as right as the gap. Selection
    // also weakens the proxy-goal correlation among the winners (range restriction), so a
    // decorrelation is right too; no turning point, since the goal never falls.
    expected: ["GOODHART_GAP", "GOODHART_DIVERGENCE", "GOODHART_DECORRELATION"],
    parameters: { onset, errorSd: sErr, baselineRise: baseline, doublingEpisodes: doubling },
  };
}

/**
 * Extremal Goodhart: "Worlds in which the proxy takes an extreme value may be very different from
 * the ordinary worlds in which the correlation between the proxy and the goal was observed".
 *
 * The optimizer pushes a variable x up at a steady rate (think: water poured on a plant, speed of
 * a boat); the proxy reads x. The goal equals x in the ordinary range and turns down past a
 * threshold xc that optimization reaches at the onset: g(x) = x - (1 + kappa) * max(0, x - xc).
 * Below xc every observation confirms the proxy; the regime change is only visible once the
 * optimizer has pushed into it, which is the paper's point.
 */
function extremal(draw: Sampler, n: number): Built {
  const onset = drawOnset(draw, n);
  const rise = draw.uniform(6, 12); // how far x moves over the run
  const kappa = draw.uniform(0.5, 1.5); // how fast the goal falls past the threshold
  const sProxy = draw.uniform(0.3, 1);
  const sIntended = draw.uniform(0.3, 1);
  const rate = rise / n;
  const xc = rate * onset;
  const proxy: number[] = [];
  const intended: number[] = [];
  for (let e = 0; e < n; e++) {
    const x = rate * e;
    proxy.push(x + draw.normal(sProxy));
    intended.push(x - (1 + kappa) * Math.max(0, x - xc) + draw.normal(sIntended));
  }
  return {
    proxy,
    intended,
    onset,
    expected: ["GOODHART_DIVERGENCE", "GOODHART_TURNING_POINT", "GOODHART_GAP", "GOODHART_DECORRELATION"],
    parameters: { onset, rise, kappa, proxyNoise: sProxy, intendedNoise: sIntended, threshold: xc },
  };
}

/**
 * Causal Goodhart: "When there is a non-causal correlation between the proxy and the goal,
 * intervening on the proxy may fail to impact the goal".
 *
 * A common cause C (say, skill) drives both: goal = C, proxy = C + L, where L is a lever that acts
 * on the measurement only (tampering with the reward sensor, teaching to the test). Before the
 * onset the optimizer spends its effort on C, so proxy and goal rise together and look causally
 * linked. At the onset it discovers the lever, whose return on the proxy is higher, and moves
 * almost all effort there: proxy = C + L keeps rising (faster), while the goal, which only C
 * moves, stalls. Intervening on the proxy (do(L)) leaves the goal where it was.
 */
function causal(draw: Sampler, n: number): Built {
  const onset = drawOnset(draw, n);
  const rate = draw.uniform(4, 8) / n; // growth of C per episode while it gets the effort
  const leverGain = draw.uniform(1, 2); // the lever moves the proxy this much faster than C did
  const kept = draw.uniform(0, 0.1); // share of effort still spent on C after the onset
  const sProxy = draw.uniform(0.3, 1);
  const sIntended = draw.uniform(0.3, 1);
  const proxy: number[] = [];
  const intended: number[] = [];
  let c = 0;
  let lever = 0;
  for (let e = 0; e < n; e++) {
    if (e < onset) c += rate;
    else {
      c += kept * rate;
      lever += (1 - kept) * leverGain * rate;
    }
    proxy.push(c + lever + draw.normal(sProxy));
    intended.push(c + draw.normal(sIntended));
  }
  return {
    proxy,
    intended,
    onset,
    expected: ["GOODHART_DIVERGENCE", "GOODHART_GAP", "GOODHART_DECORRELATION"],
    parameters: { onset, rate, leverGain, keptEffort: kept, proxyNoise: sProxy, intendedNoise: sIntended },
  };
}

/**
 * Adversarial Goodhart: "When you optimize for a proxy, you provide an incentive for adversaries
 * to correlate their goal with your proxy, thus destroying the correlation with your goal"
 * (the cobra effect is the classic case).
 *
 * Our optimizer rewards a population of other agents by the proxy, and the honest quality q of the
 * population improves under that pressure (proxy and goal rise together). The pressure grows over
 * time; at the onset it exceeds the other agents' cost of gaming, and a few start gaming: a gamer
 * adds `gain` to the proxy and, because gaming diverts effort (the cobra farms), takes `harm` off
 * the goal. Gaming then spreads by imitation of whoever scores best (replicator dynamics,
 * f += r f (1 - f) from f = 5%): the adversaries' adaptation, not ours, breaks the proxy.
 */
function adversarial(draw: Sampler, n: number): Built {
  const onset = drawOnset(draw, n);
  const honest = draw.uniform(2, 5); // improvement of q over the run
  const gain = draw.uniform(4, 8);
  const harm = draw.uniform(1.5, 3);
  const spread = draw.uniform(0.15, 0.3) * (200 / n); // imitation rate, per episode at n = 200
  const sProxy = draw.uniform(0.3, 1);
  const sIntended = draw.uniform(0.3, 1);
  const proxy: number[] = [];
  const intended: number[] = [];
  let f = 0;
  for (let e = 0; e < n; e++) {
    if (e === onset) f = 0.05;
    else if (e > onset) f += spread * f * (1 - f);
    const q = (honest * e) / n;
    proxy.push(q + gain * f + draw.normal(sProxy));
    intended.push(q - harm * f + draw.normal(sIntended));
  }
  return {
    proxy,
    intended,
    onset,
    expected: ["GOODHART_DIVERGENCE", "GOODHART_TURNING_POINT", "GOODHART_GAP", "GOODHART_DECORRELATION"],
    parameters: {
      onset,
      honestRise: honest,
      gain,
      harm,
      spread,
      proxyNoise: sProxy,
      intendedNoise: sIntended,
    },
  };
}

/** Control: the proxy is the intended measure plus independent reading noise, on a learning curve. */
function faithful(draw: Sampler, n: number): Built {
  const top = draw.uniform(4, 8);
  const tau = draw.uniform(0.1, 0.4) * n;
  const sIntended = draw.uniform(0.3, 1);
  const sReading = draw.uniform(0.3, 1.5);
  const proxy: number[] = [];
  const intended: number[] = [];
  for (let e = 0; e < n; e++) {
    const p = top * (1 - Math.exp(-e / tau)) + draw.normal(sIntended);
    intended.push(p);
    proxy.push(p + draw.normal(sReading));
  }
  return control(proxy, intended, { top, tau, intendedNoise: sIntended, readingNoise: sReading });
}

/** Control: both rise at the same rate, each with its own noise level (up to 5x apart). */
function together(draw: Sampler, n: number): Built {
  const rise = draw.uniform(3, 8);
  const sProxy = draw.uniform(0.3, 1.5);
  const sIntended = draw.uniform(0.3, 1.5);
  const proxy: number[] = [];
  const intended: number[] = [];
  for (let e = 0; e < n; e++) {
    const level = (rise * e) / n;
    proxy.push(level + draw.normal(sProxy));
    intended.push(level + draw.normal(sIntended));
  }
  return control(proxy, intended, { rise, proxyNoise: sProxy, intendedNoise: sIntended });
}

/** Control: nothing changes; proxy and intended are independent noise around their own constants. */
function flat(draw: Sampler, n: number): Built {
  const offset = draw.uniform(-2, 2);
  const sProxy = draw.uniform(0.3, 1.5);
  const sIntended = draw.uniform(0.3, 1.5);
  const proxy: number[] = [];
  const intended: number[] = [];
  for (let e = 0; e < n; e++) {
    proxy.push(offset + draw.normal(sProxy));
    intended.push(draw.normal(sIntended));
  }
  return control(proxy, intended, { offset, proxyNoise: sProxy, intendedNoise: sIntended });
}

/** Control: a slow common rise under heavy-tailed noise (5% of points carry 4x the noise). */
function noisy(draw: Sampler, n: number): Built {
  const rise = draw.uniform(1, 3);
  const sProxy = draw.uniform(1, 2);
  const sIntended = draw.uniform(1, 2);
  const heavy = (sd: number): number => draw.normal(draw.uniform(0, 1) < 0.05 ? 4 * sd : sd);
  const proxy: number[] = [];
  const intended: number[] = [];
  for (let e = 0; e < n; e++) {
    const level = (rise * e) / n;
    proxy.push(level + heavy(sProxy));
    intended.push(level + heavy(sIntended));
  }
  return control(proxy, intended, { rise, proxyNoise: sProxy, intendedNoise: sIntended });
}

/** Control: a common rise with independent AR(1) noise, stationary sd 0.5 to 1.5 in each series. */
function autocorrelated(draw: Sampler, n: number): Built {
  const rise = draw.uniform(3, 8);
  const phi = draw.uniform(0.3, 0.7);
  const sProxy = draw.uniform(0.5, 1.5);
  const sIntended = draw.uniform(0.5, 1.5);
  // Innovations scaled by sqrt(1 - phi^2) keep each series' stationary sd at its drawn value.
  const innovation = Math.sqrt(1 - phi * phi);
  let noiseProxy = draw.normal(sProxy);
  let noiseIntended = draw.normal(sIntended);
  const proxy: number[] = [];
  const intended: number[] = [];
  for (let e = 0; e < n; e++) {
    const level = (rise * e) / n;
    proxy.push(level + noiseProxy);
    intended.push(level + noiseIntended);
    noiseProxy = phi * noiseProxy + draw.normal(innovation * sProxy);
    noiseIntended = phi * noiseIntended + draw.normal(innovation * sIntended);
  }
  return control(proxy, intended, { rise, phi, proxyNoise: sProxy, intendedNoise: sIntended });
}

function control(proxy: number[], intended: number[], parameters: Record<string, number>): Built {
  return { proxy, intended, onset: "none", expected: [], parameters };
}

function sampler(rng: Rng): Sampler {
  return {
    uniform: (lo, hi) => lo + (hi - lo) * rng(),
    // Box-Muller; 1 - u keeps the logarithm's argument in (0, 1].
    normal: (sd) => sd * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng()),
  };
}

/** Spread (seed, variant) over 32 bits (a splitmix32 round) so neighbouring seeds are unrelated. */
function mix(seed: number, variant: number): number {
  let z = (seed + Math.imul(variant + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
