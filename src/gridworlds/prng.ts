/**
 * The seeded generator every gridworld draws from: xoshiro128** (Blackman and Vigna, 2018) seeded
 * through splitmix32. Runs are reproduced from their seed, so an overseer re-running a training run
 * from the ledger gets the same episodes. Not for anything an adversary must not predict.
 *
 * Why xoshiro128** rather than mulberry32: 128 bits of state, so the separate streams a run needs
 * (the environment's randomness and the agent's exploration) do not overlap in practice.
 */
import { GridworldError } from "./gridworld-error.js";

/** A source of uniform numbers, owned by one consumer (an environment, or one agent's exploration). */
export interface Rng {
  /** A uniform number in [0, 1) with 32 random bits. */
  next(): number;
  /** A uniform integer in [0, n), exactly uniform (rejection sampling); `n` a positive integer below 2^32. */
  below(n: number): number;
}

/**
 * A seeded xoshiro128** generator. `stream` separates independent streams from one seed (the
 * learners use stream 0 for the environment and stream 1 for exploration).
 *
 * @throws {GridworldError} `OPTION_INVALID` when the seed or stream is not an integer in [0, 2^32).
 * @example const rng = createRng(42); rng.next() // the same number every run; rng.below(4) in 0..3
 */
export function createRng(seed: number, stream = 0): Rng {
  checkWord("seed", seed);
  checkWord("stream", stream);
  // splitmix32 spreads a small seed (0, 1, 2, ...) over all 128 bits; xoshiro must not start at all zeros.
  let mix = (seed ^ Math.imul(stream, 0x9e3779b9)) >>> 0;
  const split = (): number => {
    mix = (mix + 0x9e3779b9) >>> 0;
    let z = mix;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  const nextWord = xoshiro128StarStar(split(), split(), split(), split());

  return {
    next: () => nextWord() / 4294967296,
    below: (n: number) => {
      if (!Number.isInteger(n) || n < 1 || n > 4294967296) {
        throw new GridworldError("OPTION_INVALID", `below: expected an integer in [1, 2^32], got ${n}`);
      }
      // Reject the top sliver of 2^32 that n does not divide, so every residue is equally likely.
      const limit = 4294967296 - (4294967296 % n);
      for (;;) {
        const x = nextWord();
        if (x < limit) return x % n;
      }
    },
  };
}

/**
 * The raw xoshiro128** word generator from a 128-bit state (not all zero), exported for the
 * reference-vector test; use {@link createRng}.
 *
 * @example xoshiro128StarStar(1, 2, 3, 4)() === 11520
 */
export function xoshiro128StarStar(s0: number, s1: number, s2: number, s3: number): () => number {
  let a = s0 >>> 0;
  let b = s1 >>> 0;
  let c = s2 >>> 0;
  let d = s3 >>> 0;
  // The all-zero state is the one fixed point of the generator: it would return zeros forever.
  if ((a | b | c | d) === 0) a = 1;
  return () => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function checkWord(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new GridworldError("OPTION_INVALID", `${name}: expected an integer in [0, 2^32), got ${value}`);
  }
}
