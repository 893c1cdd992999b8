/**
 * Randomness for sampling, always passed in by the caller so that a sample can be reproduced from
 * its seed (an overseer re-running a check must get the same sections).
 */
import { WorldModelError } from "./world-model-error.js";

/** A source of uniform numbers in [0, 1) with at least 32 random bits each. */
export type Rng = () => number;

/**
 * A small seeded generator (mulberry32, 32-bit state): fine for sampling and tests, not for
 * anything an adversary must not predict.
 *
 * @example const rng = seededRng(42); rng() // 0 <= x < 1, the same every run
 */
export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A uniform integer in [0, n), exactly uniform for any size of n: draw as many 32-bit words as n
 * needs and reject draws past n (fewer than two draws on average). Section counts overflow 2^53
 * long before they overflow memory, hence bigint.
 *
 * @example randomBelow(seededRng(1), 10n) < 10n
 */
export function randomBelow(rng: Rng, n: bigint): bigint {
  if (n <= 0n) return 0n;
  const bits = (n - 1n).toString(2).length;
  const words = Math.ceil(bits / 32);
  const mask = (1n << BigInt(bits)) - 1n;
  // Each try succeeds with probability > 1/2; 128 failures in a row mean the rng is broken.
  for (let tries = 0; tries < 128; tries++) {
    let x = 0n;
    for (let i = 0; i < words; i++) x = (x << 32n) | BigInt(Math.floor(rng() * 4294967296) >>> 0);
    x &= mask;
    if (x < n) return x;
  }
  throw new WorldModelError(
    "ARGUMENT_INVALID",
    "rng: expected uniform numbers in [0, 1), got 128 rejected draws in a row",
    {
      path: "rng",
    },
  );
}
