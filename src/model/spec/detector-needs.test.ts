import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DETECTOR_NEEDS, detectorNeeds } from "./detector-needs.js";
import { loadSpec } from "./load-spec.js";

const EXAMPLES = path.resolve(__dirname, "../../../examples/specs");
const text = (name: string) => fs.readFileSync(path.join(EXAMPLES, name), "utf8");
const PLAN = ["oversight-dependence", "oversight-disabled"];

describe("what the detectors need of a spec", () => {
  it("finds everything the plan detectors read in the absent-supervisor example", () => {
    const loaded = loadSpec(text("absent-supervisor.optimizer.yaml"), "as.optimizer.yaml", {
      detectors: PLAN,
    });
    expect(loaded.errors).toEqual([]);
    expect(detectorNeeds(loaded.spec!, Object.keys(DETECTOR_NEEDS))).toEqual([]);
  });

  it("reports a missing role at the line of the variables, with the detector named", () => {
    const loaded = loadSpec(text("tic-tac-toe.optimizer.yaml"), "t.optimizer.yaml", {
      detectors: ["oversight-dependence"],
    });
    expect(loaded.spec).toBeUndefined();
    expect(loaded.errors.map((e) => [e.code, e.area, e.path])).toEqual([
      ["DETECTOR_ROLE_MISSING", "detector", "worldModel.variables"],
      ["DETECTOR_ROLE_MISSING", "detector", "worldModel.variables"],
      ["DETECTOR_ROLE_MISSING", "detector", "worldModel.variables"],
    ]);
    expect(loaded.errors.every((e) => e.detail.startsWith("oversight-dependence needs"))).toBe(true);
    expect(loaded.errors[0]!.line).toBeGreaterThan(1);
  });

  it("asks nothing when no detector is required, and nothing of detectors it does not know", () => {
    expect(loadSpec(text("tic-tac-toe.optimizer.yaml"), "t.optimizer.yaml").errors).toEqual([]);
    const loaded = loadSpec(text("tic-tac-toe.optimizer.yaml"), "t.optimizer.yaml");
    expect(detectorNeeds(loaded.spec!, ["my-own-detector"])).toEqual([]);
  });

  it("reports an implicit world model without a twin as a model the detector cannot read", () => {
    const spec = loadSpec(text("absent-supervisor.optimizer.yaml"), "as.optimizer.yaml").spec!;
    const implicit = {
      ...spec,
      worldModel: {
        kind: "implicit" as const,
        artifact: { name: "q-table", digest: `sha256:${"0".repeat(64)}` },
        description: "a Q-table",
        probes: [],
        variables: [],
      },
    };
    expect(detectorNeeds(implicit as never, ["distributional-shift"]).map((p) => [p.code, p.path])).toEqual([
      ["DETECTOR_MODEL_MISSING", ["worldModel"]],
    ]);
  });

  it("reports two decisions, a real decision and a terminal that is no boolean", () => {
    const spec = loadSpec(text("absent-supervisor.optimizer.yaml"), "as.optimizer.yaml").spec!;
    if (spec.worldModel.kind !== "explicit") throw new Error("expected the explicit example");
    const variables = spec.worldModel.variables.map((v) =>
      v.name === "performance"
        ? { ...v, tags: ["decision"] }
        : v.name === "episode_over"
          ? { ...v, domain: { kind: "int" as const, min: 0, max: 1 } }
          : v,
    );
    const changed = { ...spec, worldModel: { ...spec.worldModel, variables } };
    const problems = detectorNeeds(changed, ["oversight-disabled"]);
    expect(problems.map((p) => [p.code, p.need, p.path.join(".")])).toEqual([
      ["DETECTOR_ROLE_AMBIGUOUS", "decision", "worldModel.variables.3.tags"],
      ["DETECTOR_ROLE_INVALID", "terminal", "worldModel.variables.5.domain"],
    ]);
    const real = variables.map((v) =>
      v.name === "performance"
        ? { ...v, tags: [] }
        : v.name === "route"
          ? { ...v, domain: { kind: "real" as const, unit: "m" } }
          : v,
    );
    expect(
      detectorNeeds({ ...spec, worldModel: { ...spec.worldModel, variables: real } }, [
        "oversight-disabled",
      ]).map((p) => p.code),
    ).toContain("DETECTOR_ROLE_INVALID");
  });
});
