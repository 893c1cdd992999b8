/**
 * The CycloneDX 1.6 ML-BOM export of an optimizer and its creators, from a ledger built with the
 * SDK: valid against the published bom-1.6 schema (with its SPDX and JSF schemas); the chain, the
 * model card and the formulation as the ledger records them.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLedger } from "../oversight/read-ledger.js";
import { SqliteStore } from "../store/sqlite/sqlite-store.js";
import { type CycloneDxBom, toCycloneDx } from "./cyclonedx.js";
import { buildInteropLedger, type InteropFixture } from "./test-support/ledger-fixture.js";
import { cycloneDxValidator } from "./test-support/schemas.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-cyclonedx-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const validate = cycloneDxValidator();
// biome-ignore lint/suspicious/noExplicitAny: a tampered copy is changed by path
type Json = any;
let fixture: InteropFixture;
const boms = new Map<string, CycloneDxBom>();

beforeAll(async () => {
  fixture = await buildInteropLedger(dir);
  const store = SqliteStore.open(fixture.file, { readonly: true });
  try {
    const { state } = await readLedger(store);
    for (const name of ["player", "search", "scout"])
      boms.set(
        name,
        await toCycloneDx(state, store, { optimizer: name, origin: fixture.origin, toolVersion: "0.1.0" }),
      );
    await expect(
      toCycloneDx(state, store, { optimizer: "alice", origin: fixture.origin }),
    ).rejects.toMatchObject({
      code: "OPTIMIZER_UNKNOWN",
    });
    await expect(
      toCycloneDx(state, store, { optimizer: "nobody", origin: fixture.origin }),
    ).rejects.toMatchObject({
      code: "OPTIMIZER_UNKNOWN",
    });
  } finally {
    await store.close();
  }
});

describe("CycloneDX ML-BOM export", () => {
  it("is valid against the published CycloneDX 1.6 schema, and the schema refuses what 1.6 does not allow", () => {
    for (const [name, bom] of boms)
      expect(validate(bom), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    const bad = structuredClone(boms.get("player")!) as unknown as Record<string, Json>;
    bad.metadata.component.type = "optimizer";
    expect(validate(bad)).toBe(false);
    const noRef = structuredClone(boms.get("player")!) as unknown as Record<string, Json>;
    noRef.formulation[0].workflows[0].taskTypes = ["train"];
    expect(validate(noRef)).toBe(false);
  });

  it("has the optimizer as its subject and each creator up the chain as a model it depends on", () => {
    const bom = boms.get("player")!;
    expect(bom).toMatchObject({ bomFormat: "CycloneDX", specVersion: "1.6", version: 1 });
    expect(bom.serialNumber).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(bom.metadata.component).toMatchObject({
      type: "machine-learning-model",
      name: "player",
      "bom-ref": "optimizer:player",
    });
    expect(bom.components.map((c) => [c.name, c.type, c.authors])).toEqual([
      ["search", "machine-learning-model", [{ name: "alice" }]],
    ]);
    expect(bom.metadata.component.authors).toEqual([{ name: "search" }]);
    expect(bom.dependencies).toEqual([
      { ref: "optimizer:player", dependsOn: ["optimizer:search"] },
      { ref: "optimizer:search", dependsOn: [] },
    ]);
    expect(bom.formulation[0]!.workflows).toEqual([
      expect.objectContaining({
        uid: `${fixture.origin}#${fixture.entries.player}`,
        name: "creation of player by search",
      }),
      expect.objectContaining({
        uid: `${fixture.origin}#${fixture.entries.search}`,
        name: "creation of search by alice",
      }),
    ]);
    // A root actor's direct creation has no creator component.
    expect(boms.get("scout")!.components).toEqual([]);
    expect(boms.get("scout")!.dependencies).toEqual([{ ref: "optimizer:scout", dependsOn: [] }]);
  });

  it("carries the three parts in the model card and the ledger's facts as properties", () => {
    const player = boms.get("player")!.metadata.component;
    const record = fixture.state.optimizers.get("player")!;
    expect(player.hashes).toEqual([{ alg: "SHA-256", content: record.specDigest }]);
    expect(player.modelCard).toMatchObject({
      modelParameters: {
        architectureFamily: "tree-search",
        modelArchitecture: "tic-tac-toe rules, line-threat abstraction",
        task: expect.stringMatching(/^maximize E\[/),
      },
      quantitativeAnalysis: {
        performanceMetrics: expect.arrayContaining([
          { type: "objective (maximize)", value: expect.stringContaining("result") },
          { type: "steps taken", value: "3" },
        ]),
      },
      considerations: {
        technicalLimitations: [
          expect.stringMatching(/^halted at entry \d+ by alice \(with its ancestor search\): enough search$/),
        ],
        performanceTradeoffs: ["budget: at most 7200 steps, at most 10 s"],
      },
    });
    const props = Object.fromEntries(player.properties.map((p) => [p.name, p.value]));
    expect(props).toMatchObject({
      "optprov:ledger.origin": fixture.origin,
      "optprov:entry.index": String(fixture.entries.player),
      "optprov:entry.envelopeSha256": expect.stringMatching(/^[0-9a-f]{64}$/),
      "optprov:creator": "search",
      "optprov:process.kind": "tree-search",
      "optprov:process.params.simulations": "800",
      "optprov:objective.digest": record.objectiveDigest,
      "optprov:worldModel.variables": "4",
    });
    // Without a spec, the card says the world model and objective are undeclared.
    expect(boms.get("search")!.metadata.component.modelCard).toMatchObject({
      considerations: {
        technicalLimitations: expect.arrayContaining([expect.stringContaining("undeclared")]),
      },
    });
  });
});
