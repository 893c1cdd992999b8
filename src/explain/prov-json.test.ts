/**
 * The PROV-JSON export of a ledger built with the SDK: its shape, its types and plans, and what the
 * reference W3C PROV implementation (the Python `prov` library, with rdflib for the RDF form) makes
 * of it, through scripts/check-prov.py. That check needs Debian's python3-prov at /usr/bin/python3
 * (or the interpreter $OPTPROV_PYTHON names); without it the test fails and says how to install it.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testPolicy } from "../control/test-support/policy-fixture.js";
import { generateSignerKey } from "../ledger/keys.js";
import { loadSpec } from "../model/index.js";
import { spawnSpecFrom } from "../sdk/from-spec.js";
import { openLedger } from "../sdk/ledger.js";
import { type ProvDocument, toProvJson } from "./prov-json.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "optprov-prov-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const CHECKER = path.resolve(__dirname, "../../scripts/check-prov.py");
const PYTHON = process.env.OPTPROV_PYTHON ?? "/usr/bin/python3";

type Attrs = Record<string, unknown>;
const q = (k: string, n: string) => `optprov:${k}-${n}`;
const qn = (name: string) => ({ $: name, type: "prov:QUALIFIED_NAME" });

const RELATIONS: Record<string, [string, "agent" | "entity" | "activity"][]> = {
  wasGeneratedBy: [
    ["prov:entity", "entity"],
    ["prov:activity", "activity"],
  ],
  wasAssociatedWith: [
    ["prov:activity", "activity"],
    ["prov:agent", "agent"],
  ],
  wasAttributedTo: [
    ["prov:entity", "entity"],
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

/** The facts the ledger holds, read back from its control state, to hold the export to. */
interface Facts {
  readonly roles: Record<string, string>;
  readonly optimizers: number;
  readonly policyDigests: readonly string[];
  readonly specDigests: readonly string[];
  readonly governed: number;
  readonly fromSpecs: number;
}
let doc: ProvDocument;
let facts: Facts;
let specDigest: string;
let policyDigest: string;

/**
 * Three generations under a signed policy: alice creates a search (automatic), the search asks for
 * a training run that an overseer approves, the run emits an artifact; alice also creates a player
 * from a worked spec. Every actor role appears once.
 */
beforeAll(async () => {
  const ledger = await openLedger({ path: path.join(dir, "l.db"), logKey: generateSignerKey("log.prov") });
  const alice = await ledger.root({ name: "alice", key: generateSignerKey("alice") });
  await ledger.root({ name: "lab", key: generateSignerKey("lab"), role: "organisation" });
  const bob = generateSignerKey("bob");
  await ledger.actor("bob", bob, "overseer");
  await ledger.actor("w1", generateSignerKey("w1"), "witness");
  await ledger.actor("ci", generateSignerKey("ci"), "system");
  policyDigest = (
    await ledger
      .setPolicy(
        testPolicy({
          overseers: ["bob"],
          legibility: { maxLocalModelRows: 256 },
          rules: [
            { creator: { name: "alice" }, mayCreate: ["best-of-n", "tree-search"], approval: "automatic" },
            { creator: { process: "best-of-n" }, mayCreate: ["gradient-descent"], approval: "required" },
          ],
        }),
        alice.key,
      )
      .then(() => ledger.state.activePolicy()!)
  ).digest;
  const search = await alice.spawn({
    name: "search",
    process: { kind: "best-of-n", mayCreate: ["gradient-descent"] },
  });
  const trainKey = generateSignerKey("train");
  const spec = { name: "train", process: { kind: "gradient-descent" } };
  await expect(search.spawn(spec, { key: trainKey })).rejects.toMatchObject({ code: "APPROVAL_TIMEOUT" });
  const request = [...ledger.state.requests.values()].find((r) => r.optimizer.name === "train")!;
  await ledger.review(request.index, bob, "approve", "small run");
  const train = await search.spawn(spec, { key: trainKey });
  await train.run((ctx) => {
    ctx.step({ loss: 1 });
    ctx.emit({ name: "model.bin", digest: "a".repeat(64) });
  });
  const file = path.resolve(__dirname, "../../examples/specs/tic-tac-toe.optimizer.yaml");
  const loaded = loadSpec(fs.readFileSync(file, "utf8"), file);
  expect(loaded.errors).toEqual([]);
  const player = await alice.spawn(spawnSpecFrom(loaded.spec!, { name: "player" }));
  specDigest = ledger.state.optimizers.get(player.name)!.specDigest!;
  await ledger.refresh();
  doc = await toProvJson(ledger.state, ledger.log.store);
  const optimizers = [...ledger.state.optimizers.values()];
  facts = {
    roles: Object.fromEntries([...ledger.state.actors.values()].map((a) => [a.name, a.role])),
    optimizers: optimizers.length,
    policyDigests: [...new Set(ledger.state.policies.map((p) => p.digest))],
    specDigests: [...new Set(optimizers.flatMap((o) => (o.specDigest ? [o.specDigest] : [])))],
    governed: optimizers.filter((o) => o.gate?.policyDigest !== undefined).length,
    fromSpecs: optimizers.filter((o) => o.specDigest !== undefined).length,
  };
  await ledger.close();
});

describe("PROV-JSON export", () => {
  it("keeps every relation, and every relation points at declared records", () => {
    expect(doc.prefix).toMatchObject({ prov: "http://www.w3.org/ns/prov#" });
    expect(doc.prefix.optprov).toMatch(/^https:/);
    for (const [kind, refs] of Object.entries(RELATIONS)) {
      const rels = Object.entries(doc[kind as keyof ProvDocument] as Record<string, Attrs>);
      expect(rels.length, kind).toBeGreaterThan(0);
      for (const [id, rel] of rels) {
        expect(id.startsWith("_:")).toBe(true);
        for (const [key, target] of refs)
          expect(doc[target], `${kind} ${id} ${key}`).toHaveProperty([rel[key] as string]);
      }
    }
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
    // The overseer's approval is a review activity whose record the creation used.
    const review = Object.entries(doc.activity).find(([, a]) => a["optprov:decision"] === "approve");
    expect(review).toBeDefined();
    expect(Object.values(doc.wasAssociatedWith)).toContainEqual(
      expect.objectContaining({ "prov:activity": review![0], "prov:agent": q("agent", "bob") }),
    );
    // Round-trips through JSON unchanged (no undefined, no cycles).
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it("types every record with qualified names, and each agent with the class of its role", () => {
    for (const kind of ["agent", "entity", "activity"] as const)
      for (const [id, r] of Object.entries(doc[kind])) {
        const types = [r["prov:type"]].flat();
        expect(types.length, id).toBeGreaterThan(0);
        for (const t of types)
          expect(t, id).toEqual({
            $: expect.stringMatching(/^(prov|optprov):[A-Z]/),
            type: "prov:QUALIFIED_NAME",
          });
      }
    const classOf = (name: string) => doc.agent[q("agent", name)]?.["prov:type"];
    expect(classOf("alice")).toEqual(qn("prov:Person"));
    expect(classOf("bob")).toEqual(qn("prov:Person"));
    expect(classOf("lab")).toEqual(qn("prov:Organization"));
    expect(classOf("w1")).toEqual(qn("prov:SoftwareAgent"));
    expect(classOf("ci")).toEqual(qn("prov:SoftwareAgent"));
    for (const o of ["search", "train", "player"]) expect(classOf(o), o).toEqual(qn("prov:SoftwareAgent"));
    expect(doc.agent[q("agent", "train")]).toMatchObject({ "optprov:process": "gradient-descent" });
    expect(doc.entity[q("optimizer", "train")]?.["prov:type"]).toEqual(qn("optprov:Optimizer"));
  });

  it("exports the policy and the spec as plans, linked to what they governed", () => {
    const policy = q("policy", policyDigest);
    const spec = q("spec", specDigest);
    expect(doc.entity[policy]).toMatchObject({
      "prov:type": [qn("prov:Plan"), qn("optprov:Policy")],
      "optprov:digest": policyDigest,
      "optprov:owner": "alice",
    });
    expect(doc.entity[spec]).toMatchObject({
      "prov:type": [qn("prov:Plan"), qn("optprov:OptimizerSpec")],
      "optprov:digest": specDigest,
    });
    expect(Object.values(doc.wasAttributedTo)).toContainEqual({
      "prov:entity": policy,
      "prov:agent": q("agent", "alice"),
    });
    const assoc = Object.values(doc.wasAssociatedWith);
    // Each creation under the policy: the creator acted with the policy as its plan.
    for (const [creation, creator] of [
      ["search", "alice"],
      ["train", "search"],
      ["player", "alice"],
    ])
      expect(assoc, creation).toContainEqual({
        "prov:activity": q("creation", creation!),
        "prov:agent": q("agent", creator!),
        "prov:plan": policy,
      });
    // The overseer reviewed under the same policy.
    expect(assoc).toContainEqual(
      expect.objectContaining({ "prov:agent": q("agent", "bob"), "prov:plan": policy }),
    );
    // The spec is the plan of the player's creation and of its run.
    expect(assoc).toContainEqual({
      "prov:activity": q("creation", "player"),
      "prov:agent": q("agent", "alice"),
      "prov:plan": spec,
    });
    expect(assoc).toContainEqual({
      "prov:activity": q("run", "player"),
      "prov:agent": q("agent", "player"),
      "prov:plan": spec,
    });
    // Every plan named by an association is a declared prov:Plan entity.
    for (const a of assoc)
      if (a["prov:plan"] !== undefined)
        expect([doc.entity[a["prov:plan"] as string]?.["prov:type"]].flat()).toContainEqual(qn("prov:Plan"));
  });
});

/** Run the checker on a document; fail with the way to install python3-prov when it cannot run. */
function checkWithPythonProv(name: string, document: unknown) {
  const probe = spawnSync(PYTHON, ["-c", "import prov, rdflib"], { encoding: "utf8" });
  if (probe.status !== 0)
    throw new Error(
      `the PROV interoperability check needs ${PYTHON} with the prov and rdflib libraries ` +
        `(Debian: apt-get install -y python3-prov; .ci/run installs it); got: ${probe.error?.message ?? probe.stderr.trim().split("\n").at(-1)}`,
    );
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(document, null, 2));
  const r = spawnSync(PYTHON, [CHECKER, file, "--json"], { encoding: "utf8" });
  if (r.status === 2 || r.stdout === "") throw new Error(`check-prov.py could not run: ${r.stderr}`);
  return {
    code: r.status,
    report: JSON.parse(r.stdout) as { ok: boolean; problems: string[]; summary: Record<string, unknown> },
  };
}

describe("the reference PROV library reads the export", () => {
  it("finds the right agent classes, no string-valued type and every plan linked, in PROV-N, XML and RDF", () => {
    const { code, report } = checkWithPythonProv("export.json", doc);
    expect(report.problems).toEqual([]);
    expect(code).toBe(0);
    const count = (...roles: string[]) => Object.values(facts.roles).filter((r) => roles.includes(r)).length;
    const classes = {
      Person: count("person", "overseer"),
      Organization: count("organisation"),
      SoftwareAgent: count("system", "witness") + facts.optimizers,
    };
    expect(classes).toEqual({ Person: 2, Organization: 1, SoftwareAgent: 5 });
    expect(report.summary).toMatchObject({
      agents: Object.keys(facts.roles).length + facts.optimizers,
      agentClasses: classes,
      rdfAgentClasses: classes,
      policies: facts.policyDigests.length,
      specs: facts.specDigests.length,
      plans: facts.policyDigests.length + facts.specDigests.length,
      plansLinked: facts.policyDigests.length + facts.specDigests.length,
      creationsGoverned: facts.governed,
      optimizersFromSpecs: facts.fromSpecs,
      formats: ["provn", "json", "xml", "rdf"],
    });
    // The RDF form carries one prov:hadPlan per association with a plan.
    expect(report.summary.rdfHadPlan).toBe(report.summary.associationsWithPlan);
    expect(report.summary.rdfHadPlan).toBe(
      Object.values(doc.wasAssociatedWith).filter((a) => a["prov:plan"] !== undefined).length,
    );
  });

  it("the checker refuses string-valued types, wrong classes and unlinked plans (so a pass means something)", () => {
    const broken = JSON.parse(JSON.stringify(doc)) as ProvDocument;
    broken.agent[q("agent", "alice")]!["prov:type"] = "prov:Person";
    broken.agent[q("agent", "lab")]!["prov:type"] = qn("prov:Person");
    for (const a of Object.values(broken.wasAssociatedWith)) delete a["prov:plan"];
    const { code, report } = checkWithPythonProv("broken.json", broken);
    expect(code).toBe(1);
    const codes = new Set(report.problems.map((p) => p.split(":")[0]));
    expect([...codes].sort()).toEqual([
      "AGENT_CLASS_WRONG",
      "POLICY_NOT_LINKED",
      "PROVN_STRING_TYPE",
      "RDF_AGENT_CLASS",
      "RDF_LITERAL_TYPE",
      "SPEC_NOT_LINKED",
      "TYPE_NOT_QUALIFIED_NAME",
    ]);
    expect(report.problems).toContainEqual(expect.stringContaining(q("agent", "lab")));
  });
});
