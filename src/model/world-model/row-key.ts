/**
 * Hash keys for rows restricted to some of their columns: the index every join, semijoin and
 * duplicate check uses, so that none of them ever loops over pairs of rows.
 *
 * Rows are stored as codes (small non-negative integers, one per value of the variable's active
 * domain). When the product of the columns' domain sizes fits in 2^53 the key is a mixed-radix
 * number, which a `Map` hashes far faster than a string; otherwise it falls back to a string.
 */

export type Key = number | string;

/** Computes the key of the columns `cols` of the row that starts at `offset` in `data`. */
export type KeyFunction = (data: Int32Array, offset: number) => Key;

/**
 * Make a key function for some columns, given the number of distinct codes in each.
 *
 * @example keyFunction([0, 2], [10, 10])(Int32Array.of(3, 9, 4), 0) === 34
 */
export function keyFunction(cols: readonly number[], radices: readonly number[]): KeyFunction {
  let product = 1;
  for (const r of radices) product *= Math.max(1, r);
  if (product > Number.MAX_SAFE_INTEGER) {
    return (data, offset) => {
      let key = "";
      for (const c of cols) key += `${data[offset + c]},`;
      return key;
    };
  }
  // Specialised shapes for the common small separators: the generic loop is measurably slower.
  if (cols.length === 0) return () => 0;
  const c0 = cols[0]!;
  if (cols.length === 1) return (data, offset) => data[offset + c0]!;
  const c1 = cols[1]!;
  const r1 = radices[1]!;
  if (cols.length === 2) return (data, offset) => data[offset + c0]! * r1 + data[offset + c1]!;
  return (data, offset) => {
    let key = 0;
    for (let i = 0; i < cols.length; i++) key = key * radices[i]! + data[offset + cols[i]!]!;
    return key;
  };
}
