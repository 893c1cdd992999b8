import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { generateSignerKey } from "../ledger/keys.js";
import { openLedger } from "../sdk/ledger.js";
import { toProvJson } from "./prov-json.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-prov-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const RELATIONS: Record<string, [string, "agent" | "entity" | "activity"][]> = {
  wasGeneratedBy: [
    ["prov:entity", "entity"],
    ["prov:activity", "activity"],
  ],
  wasAssociatedWith: [
    ["prov:activity", "activity"],
    ["prov:agent", "agent"],
  ],
  actedOnBehalfOf: [
    ["prov:delegate", "agent"],
    ["prov:responsible", "agent"],
  ],
  wasDerivedFrom: [
    ["prov:generatedEntity", "entity"],
    ["prov:usedEntity", "entity"],
  ],
  used: [
    ["prov:activity", "activity"],
    ["prov:entity", "entity"],
  ],
};

it("exports three generations as PROV-JSON whose every relation points at declared records", async () => {
  const ledger = await openLedger({ path: path.join(dir, "l.db"), logKey: generateSignerKey("log.prov") });
  const alice = await ledger.root({ name: "alice", key: generateSignerKey("alice") });
  const search = await alice.spawn({ name: "search", process: { kind: "best-of-n" } });
  const train = await search.spawn({ name: "train", process: { kind: "gradient-descent" } });
  await train.run((ctx) => {
    ctx.step({ loss: 1 });
    ctx.emit({ name: "model.bin", digest: "a".repeat(64) });
  });
  await ledger.refresh();
  const doc = await toProvJson(ledger.state, ledger.log.store);
  await ledger.close();

  // PROV-JSON shape: prefix map, record maps keyed by qualified names, relations keyed by ids.
  expect(doc.prefix.optprov).toMatch(/^https:/);
  for (const [kind, refs] of Object.entries(RELATIONS)) {
    for (const [id, rel] of Object.entries(
      doc[kind as keyof typeof doc] as Record<string, Record<string, unknown>>,
    )) {
      expect(id.startsWith("_:")).toBe(true);
      for (const [key, target] of refs)
        expect(doc[target], `${kind} ${id} ${key}`).toHaveProperty([rel[key] as string]);
    }
  }
  const q = (k: string, n: string) => `optprov:${k}-${n}`;
  expect(doc.agent[q("agent", "alice")]).toMatchObject({ "prov:type": "prov:Person" });
  expect(doc.agent[q("agent", "train")]).toMatchObject({
    "prov:type": "prov:SoftwareAgent",
    "optprov:process": "gradient-descent",
  });
  expect(Object.values(doc.actedOnBehalfOf)).toContainEqual(
    expect.objectContaining({
      "prov:delegate": q("agent", "train"),
      "prov:responsible": q("agent", "search"),
    }),
  );
  expect(Object.values(doc.wasDerivedFrom)).toContainEqual(
    expect.objectContaining({
      "prov:generatedEntity": q("optimizer", "train"),
      "prov:usedEntity": q("optimizer", "search"),
    }),
  );
  const artifact = Object.entries(doc.entity).find(([, e]) => e["prov:label"] === "model.bin");
  expect(artifact).toBeDefined();
  expect(Object.values(doc.wasGeneratedBy)).toContainEqual(
    expect.objectContaining({ "prov:entity": artifact![0], "prov:activity": q("run", "train") }),
  );
  expect(doc.activity[q("run", "train")]).toMatchObject({ "optprov:steps": 1 });
  // Round-trips through JSON unchanged (no undefined, no cycles).
  expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
});
