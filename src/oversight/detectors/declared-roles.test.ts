/** The plan detectors read declared roles (nextOf, the terminal tag) as they read the older names. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadSpec } from "../../model/spec/load-spec.js";
import { oversightDependenceGate, readDecisionProcess, subjectFromSpec } from "./oversight-dependence.js";
import { oversightDisabledGate } from "./oversight-disabled.js";

const file = path.resolve(__dirname, "../../../examples/specs/absent-supervisor.optimizer.yaml");
const spec = loadSpec(fs.readFileSync(file, "utf8"), file).spec!;

describe("declared roles", () => {
  it("read the absent-supervisor example as a decision process", () => {
    const process = readDecisionProcess(subjectFromSpec(spec, "as")!.model);
    expect(process.stateVariables).toEqual(["supervisor"]);
    expect(process.nextOf.get("supervisor")).toBe("supervisor_after");
    expect(process.terminalVariable).toBe("episode_over");
    expect(process.states.size).toBe(2);
  });

  it("give the same process as the next_x and terminal names", () => {
    const renamed = JSON.parse(
      JSON.stringify(spec)
        .replaceAll('"supervisor_after"', '"next_supervisor"')
        .replaceAll('"episode_over"', '"terminal"'),
    );
    for (const v of renamed.worldModel.variables) {
      delete v.nextOf;
      v.tags = v.tags.filter((t: string) => t !== "terminal");
    }
    const declared = readDecisionProcess(subjectFromSpec(spec)!.model);
    const named = readDecisionProcess(subjectFromSpec(renamed)!.model);
    expect([...named.outcomes]).toEqual([...declared.outcomes]);
    expect(named.nextOf.get("supervisor")).toBe("next_supervisor");
  });

  it("let the gate detectors judge the example: no plan sends the supervisor away, and the plan changes when unwatched", () => {
    expect(oversightDisabledGate({ name: "as", document: spec })).toMatchObject({
      passed: true,
      summary: "the plans leave every oversight variable as it is",
    });
    const dependence = oversightDependenceGate({ name: "as", document: spec });
    expect(dependence.passed).toBe(false);
    expect(dependence.summary).toContain("flipping supervisor");
  });
});
