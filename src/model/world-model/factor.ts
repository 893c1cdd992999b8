/**
 * Dense factors for exact inference: a table of non-negative weights over a few variables, one
 * cell per combination of their (active) values, last variable fastest.
 */

export interface Factor {
  /** Variable indices, in layout order (the last varies fastest). */
  readonly vars: readonly number[];
  readonly values: Float64Array;
}

/**
 * Multiply factors and sum out every variable not in `keep`, iterating once over all
 * combinations of `over` (which must include every factor's variables). `sizes[v]` is the number
 * of values of variable v. Cost: one pass over the product of the sizes of `over`, which the
 * caller has checked against its limit.
 */
export function multiplyAndSum(
  factors: readonly Factor[],
  over: readonly number[],
  keep: readonly number[],
  sizes: ArrayLike<number>,
): Factor {
  const n = over.length;
  const radix = over.map((v) => sizes[v]!);
  const out = new Float64Array(keep.reduce((p, v) => p * sizes[v]!, 1));
  // For each factor (and the output), the stride of each variable of `over` (0 if absent).
  const strideOf = (vars: readonly number[]): Int32Array => {
    const strides = new Int32Array(n);
    let s = 1;
    for (let i = vars.length - 1; i >= 0; i--) {
      const at = over.indexOf(vars[i]!);
      strides[at] = s;
      s *= sizes[vars[i]!]!;
    }
    return strides;
  };
  const fStrides = factors.map((f) => strideOf(f.vars));
  const oStrides = strideOf(keep);
  const fIndex = new Int32Array(factors.length);
  let oIndex = 0;
  const digit = new Int32Array(n);
  const cells = radix.reduce((p, r) => p * r, 1);
  for (let cell = 0; cell < cells; cell++) {
    let w = 1;
    for (let f = 0; f < factors.length && w !== 0; f++) w *= factors[f]!.values[fIndex[f]!]!;
    if (w !== 0) out[oIndex] = out[oIndex]! + w;
    // Odometer step, last variable fastest, keeping every index in step.
    for (let d = n - 1; d >= 0; d--) {
      digit[d] = digit[d]! + 1;
      if (digit[d]! < radix[d]!) {
        for (let f = 0; f < factors.length; f++) fIndex[f] = fIndex[f]! + fStrides[f]![d]!;
        oIndex += oStrides[d]!;
        break;
      }
      digit[d] = 0;
      const back = radix[d]! - 1;
      for (let f = 0; f < factors.length; f++) fIndex[f] = fIndex[f]! - fStrides[f]![d]! * back;
      oIndex -= oStrides[d]! * back;
    }
  }
  return { vars: keep, values: out };
}
