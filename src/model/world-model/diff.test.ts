import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffWorldModels, isEmptyDiff, renderWorldModelDiff } from "./diff.js";
import { cpt, type LocalModel, type Row, relation, scopeOf, table } from "./local-model.js";
import { seededRng } from "./seeded-rng.js";
import { anyCover } from "./test-support/arbitraries.js";
import { garden } from "./test-support/garden.js";
import { booleanVariable, enumVariable } from "./variable.js";
import { type WorldModel, worldModel } from "./world-model.js";

function gardenV2(): WorldModel {
  const g = garden();
  const models = g.localModels.map((m): LocalModel => {
    switch (m.name) {
      case "weather":
        return { ...m, description: "it rains one day in three, on average" };
      case "habit":
        return cpt("habit", m.description, [], "water", [
          {
            parents: [],
            distribution: [
              [true, 0.7],
              [false, 0.3],
            ],
          },
        ]);
      case "wetting":
        return table("wetting", m.description, ["rain", "water"], "soil", [
          [true, true, "wet"],
          [true, false, "wet"],
          [false, true, "moist"],
          [false, false, "dry"],
        ]);
      case "growth":
        return cpt("growth", m.description, ["soil"], "tomatoes", [
          {
            parents: ["wet"],
            distribution: [
              ["thriving", 0.8],
              ["wilting", 0.2],
            ],
          },
          {
            parents: ["dry"],
            distribution: [
              ["thriving", 0.2],
              ["wilting", 0.8],
            ],
          },
          { parents: ["moist"], distribution: [["thriving", 1]] },
        ]);
      default:
        return m;
    }
  });
  return worldModel(
    "garden v2",
    [
      ...g.variables.map((v) =>
        v.name === "soil"
          ? enumVariable("soil", ["dry", "moist", "wet"], v.tags)
          : v.name === "tomatoes"
            ? { ...v, tags: [...v.tags, "reward"] }
            : v,
      ),
      booleanVariable("sun"),
    ],
    [...models, relation("sunshine", "the sun may shine", ["sun"], [[true], [false]])],
  );
}

describe("diffWorldModels", () => {
  it("lists what changed, as data", () => {
    const d = diffWorldModels(garden(), gardenV2());
    expect(d.variablesAdded.map((v) => v.name)).toEqual(["sun"]);
    expect(d.variablesRemoved).toEqual([]);
    expect(d.variablesChanged.map((c) => [c.name, c.domainChanged, c.tagsAdded])).toEqual([
      ["soil", true, []],
      ["tomatoes", false, ["reward"]],
    ]);
    expect(d.localModelsAdded.map((m) => m.name)).toEqual(["sunshine"]);
    const byName = new Map(d.localModelsChanged.map((c) => [c.name, c]));
    expect([...byName.keys()]).toEqual(["weather", "habit", "wetting", "growth"]);
    expect(byName.get("wetting")).toMatchObject({
      rowsAdded: [[false, true, "moist"]],
      rowsRemoved: [[false, true, "wet"]],
      probabilitiesChanged: [],
    });
    expect(byName.get("growth")).toMatchObject({
      columns: ["soil"],
      rowsAdded: [["moist"]],
      rowsRemoved: [],
      child: "tomatoes",
      probabilitiesChanged: [
        { parents: ["wet"], value: "thriving", before: 0.9, after: 0.8 },
        { parents: ["wet"], value: "wilting", before: 0.1, after: 0.2 },
      ],
    });
  });

  it("renders as plain text for people", () => {
    expect(renderWorldModelDiff(diffWorldModels(garden(), gardenV2()))).toBe(
      [
        "world model garden -> garden v2",
        "+ variable sun: boolean",
        "~ variable soil: domain {dry, wet} -> {dry, moist, wet}",
        "~ variable tomatoes: tags added reward",
        "+ local model sunshine (relation, 2 rows): the sun may shine",
        "~ local model weather (cpt)",
        '    description: "it rains one day in three" -> "it rains one day in three, on average"',
        "~ local model habit (cpt)",
        "    P(water=true): 0.5 -> 0.7",
        "    P(water=false): 0.5 -> 0.3",
        "~ local model wetting (table)",
        "    + rain=false, water=true, soil=moist",
        "    - rain=false, water=true, soil=wet",
        "~ local model growth (cpt)",
        "    + row for soil=moist",
        "    P(tomatoes=thriving | soil=wet): 0.9 -> 0.8",
        "    P(tomatoes=wilting | soil=wet): 0.1 -> 0.2",
        "",
      ].join("\n"),
    );
  });

  it("matches rows of a relation whose columns were reordered, and reports the new order", () => {
    const a = worldModel(
      "w",
      [booleanVariable("x"), booleanVariable("y")],
      [relation("r", "", ["x", "y"], [[true, false]])],
    );
    const b = worldModel(
      "w",
      [booleanVariable("x"), booleanVariable("y")],
      [relation("r", "", ["y", "x"], [[false, true]])],
    );
    expect(diffWorldModels(a, b).localModelsChanged).toEqual([
      {
        name: "r",
        kind: { before: "relation", after: "relation" },
        description: undefined,
        scope: { before: ["x", "y"], after: ["y", "x"] },
        columns: ["y", "x"],
        removedColumns: ["y", "x"],
        rowsAdded: [],
        rowsRemoved: [],
        child: undefined,
        probabilitiesChanged: [],
      },
    ]);
  });

  it("finds nothing between a model and itself", () => {
    fc.assert(
      fc.property(anyCover(), (m) => {
        expect(isEmptyDiff(diffWorldModels(m, m))).toBe(true);
      }),
      { numRuns: 100 },
    );
    expect(renderWorldModelDiff(diffWorldModels(garden(), garden()))).toBe(
      "world model garden\n  no changes\n",
    );
  });

  it("applying the row changes to the old rows gives the new rows", () => {
    const mutate = (m: WorldModel, seed: number): WorldModel => {
      const rng = seededRng(seed);
      const localModels = m.localModels.map((lm): LocalModel => {
        if (lm.kind !== "relation") return lm;
        let rows: Row[] = lm.rows.filter(() => rng() < 0.7);
        if (rng() < 0.5) rows = [...rows, ...lm.rows.filter((r) => !rows.includes(r)).slice(0, 1)];
        const reversed = rng() < 0.3;
        return reversed
          ? relation(
              lm.name,
              lm.description,
              [...lm.variables].reverse(),
              rows.map((r) => [...r].reverse()),
            )
          : relation(lm.name, lm.description, lm.variables, rows);
      });
      return { ...m, localModels };
    };
    fc.assert(
      fc.property(anyCover(), fc.integer(), (before, seed) => {
        const after = mutate(before, seed);
        const d = diffWorldModels(before, after);
        const changed = new Map(d.localModelsChanged.map((c) => [c.name, c]));
        for (const lm of after.localModels) {
          const old = before.localModels.find((x) => x.name === lm.name)!;
          const cols = scopeOf(lm).map((v) => scopeOf(old).indexOf(v));
          const oldRows = new Set(
            old.kind === "relation" ? old.rows.map((r) => JSON.stringify(cols.map((c) => r[c]))) : [],
          );
          const c = changed.get(lm.name);
          for (const r of c?.rowsRemoved ?? []) oldRows.delete(JSON.stringify(r));
          for (const r of c?.rowsAdded ?? []) oldRows.add(JSON.stringify(r));
          expect(oldRows).toEqual(
            new Set(lm.kind === "relation" ? lm.rows.map((r) => JSON.stringify(r)) : []),
          );
        }
      }),
      { numRuns: 200 },
    );
  });
});
