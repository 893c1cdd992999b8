/**
 * The OpenLineage export of a ledger built with the SDK: every event valid against the published
 * OpenLineage 2-0-2 schema, the parent facet against ParentRunFacet 1-2-0 and the custom facet
 * against its own schema; runs, parents and states as the ledger records them.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLedger } from "../oversight/read-ledger.js";
import { SqliteStore } from "../store/sqlite/sqlite-store.js";
import { type RunEvent, runIdFor, toOpenLineage } from "./openlineage.js";
import { buildInteropLedger, type InteropFixture } from "./test-support/ledger-fixture.js";
import { openLineageValidators } from "./test-support/schemas.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-openlineage-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const validators = openLineageValidators();
let fixture: InteropFixture;
let events: RunEvent[];

beforeAll(async () => {
  fixture = await buildInteropLedger(dir);
  const store = SqliteStore.open(fixture.file, { readonly: true });
  try {
    const { state } = await readLedger(store);
    events = await toOpenLineage(state, store, { origin: fixture.origin });
  } finally {
    await store.close();
  }
});

const of = (name: string) => events.filter((e) => e.job.name === name);

describe("OpenLineage export", () => {
  it("is valid against the published schemas, every event and every facet", () => {
    expect(events.length).toBe(6);
    for (const e of events) {
      expect(validators.runEvent(e), JSON.stringify(validators.runEvent.errors)).toBe(true);
      const { parent, optprov_optimizer } = e.run.facets;
      expect(
        validators.optimizerFacet(optprov_optimizer),
        JSON.stringify(validators.optimizerFacet.errors),
      ).toBe(true);
      if (parent)
        expect(validators.parentFacet(parent), JSON.stringify(validators.parentFacet.errors)).toBe(true);
    }
  });

  it("the validators refuse what OpenLineage does not allow (so a pass means something)", () => {
    const e = structuredClone(events[0]!) as unknown as Record<string, unknown>;
    expect(validators.runEvent({ ...e, eventType: "FINISHED" })).toBe(false);
    expect(validators.runEvent({ ...e, run: { runId: "not-a-uuid" } })).toBe(false);
    const facet = { ...(events[0]!.run.facets.optprov_optimizer as object) } as Record<string, unknown>;
    delete facet._schemaURL;
    expect(validators.runEvent({ ...e, run: { runId: events[0]!.run.runId, facets: { x: facet } } })).toBe(
      false,
    );
    expect(
      validators.optimizerFacet({ ...facet, _schemaURL: "https://x.test/s.json", entry: { index: -1 } }),
    ).toBe(false);
  });

  it("gives each optimizer a run: START at creation, then ABORT, COMPLETE or RUNNING as the ledger says", () => {
    expect(of("search").map((e) => e.eventType)).toEqual(["START", "ABORT"]);
    expect(of("player").map((e) => e.eventType)).toEqual(["START", "ABORT"]);
    expect(of("scout").map((e) => e.eventType)).toEqual(["START", "COMPLETE"]);
    for (const e of events) expect(e.job.namespace).toBe(fixture.origin);
    const [start, abort] = of("player");
    expect(start!.eventTime).toBe(fixture.state.optimizers.get("player")!.time);
    expect(abort!.eventTime).toBe(fixture.state.halts.get(fixture.entries.halt)!.time);
    expect(abort!.run.facets.optprov_optimizer.halt).toMatchObject({
      index: fixture.entries.halt,
      by: "alice",
      optimizer: "search",
      reason: "enough search",
    });
    expect(abort!.outputs).toEqual([
      { namespace: fixture.origin, name: expect.stringMatching(/^player\/policy\.bin#\d+$/) },
    ]);
    // One run id per optimizer, stable across events, and distinct between optimizers.
    expect(new Set(of("player").map((e) => e.run.runId)).size).toBe(1);
    expect(new Set(events.map((e) => e.run.runId)).size).toBe(3);
  });

  it("links a run to its creator's run, names the chain's root, and carries the three parts", () => {
    const player = of("player")[0]!;
    const search = of("search")[0]!;
    expect(search.run.facets.parent).toBeUndefined();
    expect(search.run.facets.optprov_optimizer.creator).toEqual({ name: "alice", kind: "actor" });
    expect(player.run.facets.parent).toMatchObject({
      run: { runId: search.run.runId },
      job: { namespace: fixture.origin, name: "search" },
      root: { run: { runId: search.run.runId }, job: { name: "search" } },
    });
    const facet = player.run.facets.optprov_optimizer;
    expect(facet.entry.index).toBe(fixture.entries.player);
    expect(player.run.runId).toBe(runIdFor(facet.entry.envelopeSha256));
    expect(facet.worldModel).toMatchObject({
      kind: "explicit",
      variables: 4,
      localModels: 2,
      decisions: ["move"],
    });
    expect(facet.objective).toMatchObject({ sense: "maximize", expr: expect.stringContaining("result") });
    expect(facet.objective?.digest).toBe(fixture.state.optimizers.get("player")!.objectiveDigest);
    expect(facet.process).toMatchObject({ kind: "tree-search", budget: { maxSteps: 7200 } });
    expect(facet.steps).toBe(3);
  });

  it("exports one optimizer alone when asked", async () => {
    const store = SqliteStore.open(fixture.file, { readonly: true });
    try {
      const { state } = await readLedger(store);
      const only = await toOpenLineage(state, store, { origin: fixture.origin, optimizer: "scout" });
      expect(only.map((e) => [e.job.name, e.eventType])).toEqual([
        ["scout", "START"],
        ["scout", "COMPLETE"],
      ]);
    } finally {
      await store.close();
    }
  });
});

describe("runIdFor", () => {
  it("is a version 8, RFC 9562 variant UUID from the digest's first 128 bits", () => {
    expect(runIdFor("f".repeat(64))).toBe("ffffffff-ffff-8fff-bfff-ffffffffffff");
    expect(runIdFor("0".repeat(64))).toBe("00000000-0000-8000-8000-000000000000");
  });
});
