import { describe, expect, it } from "vitest";
import {
  type ImplicitWorldModel,
  implicitVariables,
  validateImplicitWorldModel,
} from "./implicit-world-model.js";

const D1 = `sha256:${"a".repeat(64)}`;
const D2 = `sha256:${"b".repeat(64)}`;
const twin = {
  name: "twin",
  variables: [
    { name: "temperature", domain: { kind: "enum", values: ["cold", "warm"] }, tags: ["observation"] },
    { name: "heater", domain: { kind: "boolean" }, tags: ["decision"] },
  ],
  localModels: [
    {
      kind: "table",
      name: "strip",
      description: "heat when cold",
      inputs: ["temperature"],
      output: "heater",
      rows: [
        ["cold", true],
        ["warm", false],
      ],
    },
  ],
};
const base = {
  kind: "implicit",
  artifact: { name: "strip", digest: D1, uri: "urn:example:strip" },
  description: "a bimetallic strip",
  probes: [{ variable: "temperature", probe: "behavioural", accuracy: 0.95, dataset: D2 }],
  twin,
};
const codes = (input: unknown) => validateImplicitWorldModel(input).map((e) => [e.code, e.path]);

describe("validateImplicitWorldModel", () => {
  it("accepts an implicit model with its explicit twin", () => {
    expect(validateImplicitWorldModel(base)).toEqual([]);
    expect(implicitVariables(base as ImplicitWorldModel).map((v) => v.name)).toEqual([
      "temperature",
      "heater",
    ]);
  });

  it("accepts one without a twin, with or without declared variables", () => {
    const { twin: _, ...bare } = base;
    expect(codes({ ...bare, probes: [] })).toEqual([]);
    expect(codes({ ...bare, variables: twin.variables })).toEqual([]);
    expect(implicitVariables({ ...bare, probes: [] } as ImplicitWorldModel)).toEqual([]);
  });

  it("refuses bad digests, URIs and accuracies with their own codes", () => {
    expect(
      codes({
        ...base,
        artifact: { name: "strip", digest: "sha256:XYZ", uri: "not a uri" },
        probes: [{ variable: "temperature", probe: "behavioural", accuracy: 1.5, dataset: "md5:00" }],
      }),
    ).toEqual([
      ["DIGEST_INVALID", "artifact.digest"],
      ["URI_INVALID", "artifact.uri"],
      ["ACCURACY_INVALID", "probes[0].accuracy"],
      ["DIGEST_INVALID", "probes[0].dataset"],
    ]);
  });

  it("refuses a probe of a variable the twin does not have, suggesting the close one", () => {
    const errors = validateImplicitWorldModel({
      ...base,
      probes: [{ variable: "temprature", probe: "linear", accuracy: 0.9, dataset: D2 }],
    });
    expect(errors.map((e) => [e.code, e.path])).toEqual([["PROBE_VARIABLE_UNKNOWN", "probes[0].variable"]]);
    expect(errors[0]?.message).toContain("did you mean temperature?");
  });

  it("reports the twin's problems with the world model's codes and paths under twin", () => {
    const broken = {
      ...twin,
      localModels: [
        {
          ...twin.localModels[0],
          rows: [
            ["cold", true],
            ["hot", false],
          ],
        },
      ],
    };
    expect(codes({ ...base, twin: broken })).toEqual([
      ["VALUE_OUT_OF_DOMAIN", "twin.localModels[0].rows[1][0]"],
    ]);
  });

  it("refuses declared variables beside a twin, unknown fields and unknown probe kinds", () => {
    expect(codes({ ...base, variables: twin.variables })).toContainEqual([
      "VARIABLES_WITH_TWIN",
      "variables",
    ]);
    expect(codes({ ...base, artefact: {} })).toContainEqual(["FIELD_UNKNOWN", "artefact"]);
    expect(codes({ ...base, twin: { ...twin, extra: 1 } })).toContainEqual(["FIELD_UNKNOWN", "twin.extra"]);
    expect(
      codes({ ...base, probes: [{ variable: "temperature", probe: "vibes", accuracy: 0.9, dataset: D2 }] }),
    ).toContainEqual(["SHAPE_INVALID", "probes[0].probe"]);
  });

  it.each([
    ["null", null],
    ["a list", []],
    ["a number", 7],
    ["an empty object", {}],
    ["probes that are not a list", { ...base, probes: "many" }],
    ["a twin that is a string", { ...base, twin: "yes" }],
    ["declared variables that are garbage", { ...base, twin: undefined, variables: [{ name: 1 }] }],
  ])("gives coded errors with paths for %s, never an exception", (_what, input) => {
    const errors = validateImplicitWorldModel(input);
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
      expect(typeof e.code).toBe("string");
      expect(e.path).toBeDefined();
    }
  });
});
