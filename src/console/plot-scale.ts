/**
 * The arithmetic of the episode plot, apart from the DOM: linear scales and axis ticks at round
 * values (1, 2 or 5 times a power of ten), so the axes read like a hand-drawn chart's.
 */

export interface Scale {
  (value: number): number;
  readonly domain: readonly [number, number];
}

/**
 * A linear map of `domain` onto `range`; a domain of one value is widened by one on each side, so
 * a flat series is drawn across the middle rather than dividing by zero.
 *
 * @example linearScale([0, 10], [0, 100])(5) === 50
 */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  let [d0, d1] = domain;
  if (!(d1 > d0)) {
    d0 -= 1;
    d1 += 1;
  }
  const [r0, r1] = range;
  const k = (r1 - r0) / (d1 - d0);
  const f = ((v: number) => r0 + (v - d0) * k) as Scale;
  return Object.assign(f, { domain: [d0, d1] as const });
}

/**
 * Round tick values covering [lo, hi], about `count` of them (never more than 2 * count + 1).
 *
 * @example niceTicks(0, 97, 5) // [0, 20, 40, 60, 80, 100]
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  // Ticks are multiples of the step, rounded to 12 digits so 0.1 + 0.2 prints as 0.3; a rounding
  // that lands inside the range moves that end one step out, so the ticks always cover it.
  const at = (i: number) => Number((i * step).toPrecision(12));
  let first = Math.floor(lo / step);
  if (at(first) > lo) first--;
  let last = Math.ceil(hi / step);
  if (at(last) < hi) last++;
  return Array.from({ length: last - first + 1 }, (_, i) => at(first + i));
}

/** A number as an axis or table shows it: at most 4 significant digits, no exponent below 1e6. */
export function formatValue(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  return Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0)
    ? v.toExponential(2)
    : String(Number(v.toPrecision(4)));
}
