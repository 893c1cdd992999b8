import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { explainSpec, renderExplanation } from "./explain-spec.js";
import { loadSpec } from "./load-spec.js";

const EXAMPLES = path.resolve(__dirname, "../../../examples/specs");
function explain(file: string, limits = {}) {
  const { spec, errors } = loadSpec(fs.readFileSync(path.join(EXAMPLES, file), "utf8"), file);
  expect(errors).toEqual([]);
  const explanation = explainSpec(spec!, { limits });
  return { explanation, text: renderExplanation(explanation) };
}

describe("explainSpec", () => {
  it("tells the thermostat, marking every implicit part", () => {
    const { explanation, text } = explain("thermostat.optimizer.yaml");
    expect(explanation.implicit).toBe(true);
    expect(explanation.sections.map((s) => s.title)).toEqual([
      "What it models",
      "What it optimizes",
      "How it optimizes",
      "Legibility",
    ]);
    expect(text).toMatch(/^Optimizer `thermostat`: A bimetallic-strip thermostat/);
    expect(text).toContain(
      "Its world model is implicit: it is held by the artifact `brass-steel bimetallic strip, 40 mm`",
    );
    expect(text).toContain("What the artifact is believed to model (implicit)");
    expect(text).toContain("a behavioural probe reads `temperature` with accuracy 96%");
    expect(text).toContain(
      "Its explicit twin `thermostat twin` stands for it, with 3 variables and 2 local models",
    );
    expect(text).toContain("variable `temperature`: one of cold, comfortable or hot; observed");
    expect(text).toContain("variable `heater`: true or false; chosen by the optimizer");
    expect(text).toContain(
      "local model `dynamics`, a conditional probability table of 18 probabilities for `next_temperature` given `temperature` and `heater`",
    );
    expect(text).toContain(
      'It maximizes E[next_temperature == "comfortable"] - energy_price * E[heater], with energy_price = 0.1, which stands in for occupant_comfort, measured through the occupants\' weekly comfort survey.',
    );
    expect(text).toContain(
      "By an external process (implicit: its algorithm is not declared in optprov's registry)",
    );
    expect(text).toContain("Budget: at most 1,440 steps and 86,400 seconds (24 hours) of wall time.");
    expect(text).toContain("It may not create other optimizers.");
    expect(explanation.legibility.findings.map((f) => f.code)).toEqual(["TOO_MANY_IMPLICIT_PARTS"]);
  });

  it("tells the gridworld agent's proxy, its measure and its tie to oversight", () => {
    const { text, explanation } = explain("absent-supervisor.optimizer.yaml");
    expect(explanation.implicit).toBe(false);
    expect(text).toContain(
      "It maximizes E[reward], which stands in for maximizing E[performance], measured through the hidden-performance channel.",
    );
    expect(text).toContain(
      "variable `supervisor`: true or false; says whether the optimizer is watched (oversight)",
    );
    expect(text).toContain(
      "local model `visible-reward` ties `reward` to `supervisor`: what it optimizes may depend on whether it is watched",
    );
    expect(text).toContain("By Q-learning:");
    expect(text).toContain(
      "alpha 0.1 (learning rate); gamma 0.99 (discount factor); epsilon 0.1 (exploration rate)",
    );
    expect(text).toContain("It does not search");
    expect(text).toContain("Within every legibility limit.");
  });

  it("tells the tic-tac-toe player as a searching, legible optimizer", () => {
    const { text } = explain("tic-tac-toe.optimizer.yaml");
    expect(text).toContain("is explicit, with 4 variables and 2 local models");
    expect(text).toContain("a relation of 16 allowed combinations of `my_threat`, `their_threat` and `move`");
    expect(text).toContain("By Monte Carlo tree search");
    expect(text).toContain("Budget: at most 7,200 simulations and 10 seconds of wall time.");
    expect(text).toContain("It searches: it evaluates many alternatives and keeps the best.");
    expect(text).toContain("Within every legibility limit.");
  });

  it("lists legibility findings under the limits it is given", () => {
    const { text } = explain("tic-tac-toe.optimizer.yaml", { maxRowsPerLocalModel: 8 });
    expect(text).toContain(
      "- local model `legal-moves` has 16 rows, above the limit of 8: split it along `move` (largest part 4 rows)",
    );
    expect(text).toContain(
      "- local model `line-rules` has 9 rows, above the limit of 8: split it along `move` (largest part 2 rows)",
    );
  });

  it("says when an optimizer may create others", () => {
    const file = "tic-tac-toe.optimizer.yaml";
    const text = fs
      .readFileSync(path.join(EXAMPLES, file), "utf8")
      .replace("    maxWallSeconds: 10\n", "    maxWallSeconds: 10\n  mayCreate: [best-of-n, q-learning]\n");
    const { spec } = loadSpec(text, file);
    expect(renderExplanation(explainSpec(spec!))).toContain(
      "It may create optimizers of the kinds best-of-n and q-learning.",
    );
  });

  it("tells a tag named like an Object member as a tag, not as the member", () => {
    const text = fs
      .readFileSync(path.join(EXAMPLES, "tic-tac-toe.optimizer.yaml"), "utf8")
      .replace("tags: [decision]", "tags: [decision, constructor, toString]");
    const { spec, errors } = loadSpec(text, "t.optimizer.yaml");
    expect(errors).toEqual([]);
    const told = renderExplanation(explainSpec(spec!));
    expect(told).toContain("chosen by the optimizer; tagged constructor; tagged toString");
    expect(told).not.toContain("native code");
  });
});
