/**
 * A hand-checkable world model used across tests: rain, a watering decision, soil, tomatoes.
 *
 *   P(rain) = 1/3; soil is wet iff rain or water (a table); P(thriving | wet) = 0.9,
 *   P(thriving | dry) = 0.2; water has a CPT (what the gardener usually does), replaced when decided.
 */
import { cpt, table } from "../local-model.js";
import { booleanVariable, enumVariable } from "../variable.js";
import { type WorldModel, worldModel } from "../world-model.js";

export function garden(): WorldModel {
  return worldModel(
    "garden",
    [
      booleanVariable("rain", ["observation"]),
      booleanVariable("water", ["decision"]),
      enumVariable("soil", ["dry", "wet"], ["observation"]),
      enumVariable("tomatoes", ["thriving", "wilting"], ["outcome"]),
    ],
    [
      cpt("weather", "it rains one day in three", [], "rain", [
        {
          parents: [],
          distribution: [
            [true, 1 / 3],
            [false, 2 / 3],
          ],
        },
      ]),
      cpt("habit", "the gardener waters half the days", [], "water", [
        {
          parents: [],
          distribution: [
            [true, 0.5],
            [false, 0.5],
          ],
        },
      ]),
      table("wetting", "the soil is wet when it rains or is watered", ["rain", "water"], "soil", [
        [true, true, "wet"],
        [true, false, "wet"],
        [false, true, "wet"],
        [false, false, "dry"],
      ]),
      cpt("growth", "tomatoes thrive in wet soil", ["soil"], "tomatoes", [
        {
          parents: ["wet"],
          distribution: [
            ["thriving", 0.9],
            ["wilting", 0.1],
          ],
        },
        {
          parents: ["dry"],
          distribution: [
            ["thriving", 0.2],
            ["wilting", 0.8],
          ],
        },
      ]),
    ],
  );
}
