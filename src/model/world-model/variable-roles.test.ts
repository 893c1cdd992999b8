import { describe, expect, it } from "vitest";
import { table } from "./local-model.js";
import { booleanVariable, enumVariable, intVariable, type Variable } from "./variable.js";
import { variableRoles } from "./variable-roles.js";
import { validateWorldModel, worldModel } from "./world-model.js";

const position = enumVariable("position", ["a", "b"], ["state"]);
const move = enumVariable("move", ["stay", "go"], ["decision"]);
const reward = intVariable("reward", 0, 1, ["reward"]);

function model(extra: readonly Variable[]) {
  return { name: "m", variables: [position, move, reward, ...extra], localModels: [] };
}

describe("variableRoles", () => {
  it("pairs x with next_x by name, as specs written before nextOf do", () => {
    const roles = variableRoles(
      model([enumVariable("next_position", ["a", "b"]), booleanVariable("terminal")]),
    );
    expect(roles.transitions).toEqual([{ state: "position", next: "next_position", by: "name" }]);
    expect(roles.terminal).toEqual(["terminal"]);
    expect(roles.decision).toEqual(["move"]);
    expect(roles.reward).toEqual(["reward"]);
  });

  it("pairs a state with the variable that declares nextOf it, whatever its name", () => {
    const after = { ...enumVariable("where_next", ["a", "b"], ["next-state"]), nextOf: "position" };
    const roles = variableRoles(model([after, booleanVariable("done", ["terminal"])]));
    expect(roles.transitions).toEqual([{ state: "position", next: "where_next", by: "nextOf" }]);
    expect(roles.terminal).toEqual(["done"]);
  });

  it("lets a declaration win over the name: next_x declared for another state is not x's", () => {
    const other = enumVariable("spot", ["a", "b"]);
    const declared = { ...enumVariable("next_position", ["a", "b"]), nextOf: "spot" };
    const roles = variableRoles(model([other, declared]));
    expect(roles.transitions).toEqual([{ state: "spot", next: "next_position", by: "nextOf" }]);
  });

  it("prefers the terminal tag to the name, and lists every tagged role", () => {
    const roles = variableRoles(
      model([
        booleanVariable("terminal"),
        booleanVariable("ended", ["terminal"]),
        booleanVariable("watched", ["oversight"]),
        booleanVariable("access", ["capability"]),
        booleanVariable("sensor", ["reward-channel"]),
        booleanVariable("vase", ["safety-constraint"]),
      ]),
    );
    expect(roles.terminal).toEqual(["ended"]);
    expect(roles.oversight).toEqual(["watched"]);
    expect(roles.capability).toEqual(["access"]);
    expect(roles.rewardChannel).toEqual(["sensor"]);
    expect(roles.safetyConstraint).toEqual(["vase"]);
  });

  it("reads unchecked input without throwing", () => {
    expect(variableRoles({ variables: [null, 3, { name: 1 }] as never }).transitions).toEqual([]);
    expect(variableRoles({}).decision).toEqual([]);
  });
});

describe("nextOf in a world model", () => {
  const base = (next: Variable) =>
    worldModel(
      "m",
      [position, next],
      [
        table("t", "the position stays", [position.name], next.name, [
          ["a", "a"],
          ["b", "b"],
        ]),
      ],
    );

  it("is accepted naming a state variable of the same domain", () => {
    const m = base({ ...enumVariable("after", ["a", "b"]), nextOf: "position" });
    expect(validateWorldModel(m)).toEqual([]);
  });

  it("is refused naming no declared variable, itself, or a variable of another domain", () => {
    const codes = (v: Variable) =>
      validateWorldModel({ ...base(enumVariable("after", ["a", "b"])), variables: [position, v] }).map(
        (e) => [e.code, e.path],
      );
    expect(codes({ ...enumVariable("after", ["a", "b"]), nextOf: "nowhere" })).toContainEqual([
      "UNKNOWN_VARIABLE",
      "variables[1].nextOf",
    ]);
    expect(codes({ ...enumVariable("after", ["a", "b"]), nextOf: "after" })).toContainEqual([
      "NEXT_OF_INVALID",
      "variables[1].nextOf",
    ]);
    expect(codes({ ...enumVariable("after", ["a", "c"]), nextOf: "position" })).toContainEqual([
      "NEXT_OF_INVALID",
      "variables[1].nextOf",
    ]);
  });
});
