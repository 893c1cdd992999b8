/**
 * The smallest cyclic cover: three relations around a triangle of variables, all with the same
 * rows. With "not equal" on booleans it is pairwise consistent yet has no global section.
 */
import { type Row, relation } from "../local-model.js";
import { booleanVariable, type Variable } from "../variable.js";
import { type WorldModel, worldModel } from "../world-model.js";

export const EQUAL: readonly Row[] = [
  [true, true],
  [false, false],
];
export const NOT_EQUAL: readonly Row[] = [
  [true, false],
  [false, true],
];

/** Relations named after their variables: `xy`, `yz`, `zx` for variables x, y, z. */
export function triangle(
  name: string,
  rows: readonly Row[],
  variables: readonly Variable[] = ["x", "y", "z"].map((n) => booleanVariable(n)),
): WorldModel {
  const [a, b, c] = variables.map((v) => v.name) as [string, string, string];
  return worldModel(name, variables, [
    relation(`${a}${b}`, `${a} and ${b}`, [a, b], rows),
    relation(`${b}${c}`, `${b} and ${c}`, [b, c], rows),
    relation(`${c}${a}`, `${c} and ${a}`, [c, a], rows),
  ]);
}
