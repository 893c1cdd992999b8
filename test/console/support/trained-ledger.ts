/**
 * A ledger for the console's plot: gridworld trainers recorded through the SDK (`trainAndDeploy`),
 * one whose proxy and intended measure come apart (boat-race: laps scored by revisiting a goal
 * tile, against the environment's own count of real laps) and its R = P control, plus an
 * optimizer with no episodes and one whose episodes nobody else reports on. The browser test and
 * `npm run console:screenshots` both draw from it.
 */
import { testPolicy } from "../../../src/control/test-support/policy-fixture.js";
import { testSpec } from "../../../src/control/test-support/specs.js";
import { trainAndDeploy } from "../../../src/gridworlds/agents/train-and-deploy.js";
import { GRIDWORLD_CATALOG } from "../../../src/gridworlds/catalog.js";
import { generateSignerKey, type SignerKey } from "../../../src/ledger/keys.js";
import { spawnSpecFrom } from "../../../src/sdk/from-spec.js";
import { type Ledger, openLedger } from "../../../src/sdk/ledger.js";
import type { Optimizer } from "../../../src/sdk/optimizer.js";

export interface TrainedLedger {
  readonly ledger: Ledger;
  readonly logKey: SignerKey;
  readonly alice: SignerKey;
  readonly bob: SignerKey;
  /** The trainer whose proxy and intended measure diverge. */
  readonly gaming: string;
  /** The trainer of the R = P control variant. */
  readonly control: string;
  /** An optimizer that recorded no episodes (a q-learner, so it may ask to create a tree search). */
  readonly idle: Optimizer;
  /** An optimizer with episodes whose intended measure nobody reports. */
  readonly unobserved: string;
}

/** Write the ledger into `file` (the ledger stays open; close it when done). */
export async function trainedLedger(file: string, episodes = 300): Promise<TrainedLedger> {
  const logKey = generateSignerKey("log.console.plot");
  const alice = generateSignerKey("alice");
  const bob = generateSignerKey("bob");
  const ledger = await openLedger({ path: file, logKey, pollMs: 10 });
  const root = await ledger.root({ name: "alice", key: alice, role: "organisation" });
  await ledger.actor("bob", bob, "overseer");
  await ledger.setPolicy(
    testPolicy({
      rules: [
        { creator: { name: "alice" }, mayCreate: ["q-learning"], approval: "automatic" },
        // What idle-learner asks to create waits for an overseer (the first rule for a creator wins).
        { creator: { name: "idle-learner" }, mayCreate: ["tree-search"], approval: "required" },
        // The trainers' greedy policies pass; their planners (value-iteration) are refused.
        { creator: { process: "q-learning" }, mayCreate: ["external"], approval: "automatic" },
      ],
    }),
    alice,
  );
  const boatRace = GRIDWORLD_CATALOG.find((e) => e.name === "boat-race")!;
  const run = (definition: ReturnType<typeof boatRace.train>) =>
    trainAndDeploy(definition, {
      algorithm: "q-learning",
      seed: 1,
      episodes,
      ledger,
      root,
      environmentKey: generateSignerKey(`${definition.name}-environment`),
      deployEpisodes: 5,
    });
  const gaming = (await run(boatRace.train())).trainer;
  const control = (await run(boatRace.control())).trainer;
  const idle = await root.spawn(
    spawnSpecFrom(testSpec({ name: "idle", mayCreate: ["tree-search"] }), { name: "idle-learner" }),
  );
  const unobserved = await root.spawn(
    spawnSpecFrom(testSpec({ name: "unobserved" }), { name: "unobserved-learner" }),
  );
  await unobserved.run((ctx) => {
    for (let e = 0; e < 40; e++) ctx.step({ episode: e, R: Math.sqrt(e) });
  });
  return { ledger, logKey, alice, bob, gaming, control, idle, unobserved: unobserved.name };
}
