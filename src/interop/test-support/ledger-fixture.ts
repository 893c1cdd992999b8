/**
 * A small ledger for the interop exports' tests, built with the SDK: alice (a person) creates a
 * search; the search creates a tic-tac-toe player from the worked spec, which takes three steps and
 * emits an artifact; alice creates a scout with a two-step budget that it uses up; alice then halts
 * the search and its descendants, so the player's run is aborted. A checkpoint covers every entry.
 */
import fs from "node:fs";
import path from "node:path";
import type { ControlState } from "../../control/state.js";
import { generateSignerKey, type SignerKey } from "../../ledger/keys.js";
import { loadSpec } from "../../model/index.js";
import { spawnSpecFrom } from "../../sdk/from-spec.js";
import { openLedger } from "../../sdk/ledger.js";

export interface InteropFixture {
  readonly file: string;
  readonly logKey: SignerKey;
  readonly origin: string;
  /** The control state once everything above is written. */
  readonly state: ControlState;
  /** The entry index of each optimizer's creation, and of the halt. */
  readonly entries: {
    readonly search: number;
    readonly player: number;
    readonly scout: number;
    readonly halt: number;
  };
}

/**
 * Build the fixture ledger at `dir/ledger.db`.
 *
 * @example const f = await buildInteropLedger(fs.mkdtempSync(path.join(os.tmpdir(), "x-")));
 */
export async function buildInteropLedger(dir: string): Promise<InteropFixture> {
  const file = path.join(dir, "ledger.db");
  const logKey = generateSignerKey("log.interop");
  const ledger = await openLedger({ path: file, logKey });
  try {
    const aliceKey = generateSignerKey("alice");
    const alice = await ledger.root({ name: "alice", key: aliceKey });
    const search = await alice.spawn({
      name: "search",
      process: { kind: "best-of-n", mayCreate: ["tree-search"] },
    });
    const specFile = path.resolve(import.meta.dirname, "../../../examples/specs/tic-tac-toe.optimizer.yaml");
    const loaded = loadSpec(fs.readFileSync(specFile, "utf8"), specFile);
    if (loaded.spec === undefined)
      throw new Error(`the worked spec does not load: ${JSON.stringify(loaded.errors)}`);
    const player = await search.spawn(spawnSpecFrom(loaded.spec, { name: "player" }));
    await player.run((ctx) => {
      for (let i = 0; i < 3; i++) ctx.step({ reward: i });
      ctx.emit({ name: "policy.bin", digest: "b".repeat(64) });
    });
    const scout = await alice.spawn({
      name: "scout",
      process: { kind: "random-search", budget: { maxSteps: 2 } },
    });
    await scout.run((ctx) => {
      ctx.step({ loss: 2 });
      ctx.step({ loss: 1 });
    });
    const halt = await ledger.halt("search", aliceKey, { descendants: true, reason: "enough search" });
    await ledger.log.checkpoint();
    await ledger.refresh();
    const o = (n: string) => ledger.state.optimizers.get(n)!.index;
    return {
      file,
      logKey,
      origin: ledger.log.origin,
      state: ledger.state,
      entries: { search: o("search"), player: o("player"), scout: o("scout"), halt: halt.index },
    };
  } finally {
    await ledger.close();
  }
}
