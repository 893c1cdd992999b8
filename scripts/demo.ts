/**
 * npm run demo: records a small optimization provenance into the embedded default ledger
 * (.optprov/ledger.db, or $OPTPROV_LEDGER), then checkpoints, has a witness cosign, writes an
 * offline proof, verifies everything and prints what happened. Safe to run repeatedly: each run
 * adds a new generation of optimizers to the same ledger.
 */
import fs from "node:fs";
import path from "node:path";
import { toHex } from "../dist/ledger/base64.js";
import { signEntry } from "../dist/ledger/entry.js";
import {
  formatSignerKey,
  formatVerifierKey,
  generateSignerKey,
  parseSignerKey,
  type SignerKey,
} from "../dist/ledger/keys.js";
import { Log } from "../dist/ledger/log.js";
import { verifyLedger } from "../dist/ledger/verify.js";
import { verifyProofFile } from "../dist/ledger/verify-proof.js";
import { cosignLatest, type WitnessState } from "../dist/oversight/witness.js";
import { SqliteStore } from "../dist/store/sqlite/sqlite-store.js";

const ledger = process.env.OPTPROV_LEDGER || ".optprov/ledger.db";
const keysDir = path.join(path.dirname(ledger), "keys");
fs.mkdirSync(keysDir, { recursive: true });

/** Keys live beside the ledger (mode 0600) so that later runs act as the same people. */
function key(
  name: string,
  type: 0x01 | 0x04 = 0x01,
  file = path.join(keysDir, `${name.replace(/[^A-Za-z0-9._-]/g, "_")}.key`),
): SignerKey {
  if (fs.existsSync(file)) return parseSignerKey(fs.readFileSync(file, "utf8"));
  const k = generateSignerKey(name, type);
  fs.writeFileSync(file, `${formatSignerKey(k)}\n`, { mode: 0o600 });
  return k;
}

const time = () => new Date().toISOString();
// The log key sits where the CLI looks for it, so `optprov checkpoint` works on this ledger too.
const logKey = key("optprov.local/demo-log", 0x01, path.join(path.dirname(ledger), "log.key"));
const alice = key("alice");
const overseer = key("overseer-bob");
const witness = key("witness-1", 0x04);
const log = await Log.open(SqliteStore.open(ledger), { logKey });
const say = (s: string) => console.log(s);
say(`ledger ${ledger} (log ${log.origin}) holds ${log.size} entries`);

for (const [k, role] of [
  [alice, "person"],
  [overseer, "overseer"],
] as const) {
  if ((await log.store.actor(k.name)) === undefined) {
    const e = await log.appendEntry(
      "actor",
      { actor: k.name, time: time(), role, key: formatVerifierKey(k) },
      k,
    );
    say(`#${e.index} ${k.name} joins as a root ${role}`);
  }
}
const aliceAt = (await log.store.actor(alice.name))!.index;
const run = log.size;

// Three generations: alice -> a hyper-parameter search -> training runs -> (their models are artifacts).
const search = key(`hpsearch-${run}`);
const created = await log.appendEntry(
  "optimizer",
  {
    actor: alice.name,
    time: time(),
    parent: aliceAt,
    optimizer: { name: search.name, key: formatVerifierKey(search), process: "best-of-n" },
  },
  alice,
);
say(`#${created.index} alice creates optimizer ${search.name} (best-of-n over learning rates)`);
const approval = await log.appendEntry(
  "approval",
  {
    actor: overseer.name,
    time: time(),
    parent: created.index,
    decision: "approve",
    reason: "budget and objective reviewed",
  },
  overseer,
);
say(`#${approval.index} ${overseer.name} approves #${created.index}`);

for (const lr of [0.1, 0.01]) {
  const trainer = key(`train-${run}-lr${lr}`);
  const c = await log.appendEntry(
    "optimizer",
    {
      actor: search.name,
      time: time(),
      parent: created.index,
      optimizer: { name: trainer.name, key: formatVerifierKey(trainer), process: "gradient-descent" },
    },
    search,
  );
  say(`#${c.index} ${search.name} creates ${trainer.name}`);
  // Steps are recorded in signed batches, as the SDK will do inside a training loop.
  const batches = [0, 1, 2].map((b) =>
    signEntry(
      "step-batch",
      {
        actor: trainer.name,
        time: time(),
        parent: c.index,
        firstStep: b * 100,
        steps: Array.from({ length: 100 }, (_, i) => ({ metrics: { loss: Math.exp(-lr * (b * 100 + i)) } })),
      },
      trainer,
    ),
  );
  const done = await log.append(batches);
  say(
    `#${done[0]!.index}..#${done.at(-1)!.index} ${trainer.name} records 300 steps in 3 signed step-batch entries`,
  );
}
const halt = await log.appendEntry(
  "halt",
  {
    actor: overseer.name,
    time: time(),
    optimizer: `train-${run}-lr0.1`,
    descendants: true,
    reason: "diverging",
  },
  overseer,
);
say(`#${halt.index} ${overseer.name} halts train-${run}-lr0.1`);

const cp = await log.checkpoint();
say(`\ncheckpoint signed at size ${cp.size}:\n${cp.text.trimEnd()}`);
const stateFile = path.join(keysDir, "witness-1.state.json");
const previous: WitnessState | undefined = fs.existsSync(stateFile)
  ? JSON.parse(fs.readFileSync(stateFile, "utf8"))
  : undefined;
const cos = await cosignLatest(log, witness, previous);
fs.writeFileSync(stateFile, JSON.stringify(cos.state));
say(
  `witness-1 cosigned size ${cos.size}${cos.checkedFrom !== undefined ? ` after checking consistency from size ${cos.checkedFrom}` : ""}`,
);

const proofFile = path.join(path.dirname(ledger), `entry-${created.index}.tlog-proof`);
fs.writeFileSync(proofFile, await log.tlogProof(created.index));
const offline = verifyProofFile(fs.readFileSync(proofFile, "utf8"), { logKey, witnesses: [witness] });
say(
  `offline proof ${proofFile}: entry #${offline.kind === "inclusion" ? offline.index : "?"} is in the log at size ${offline.size}, cosigned by ${offline.witnesses.join(", ")}`,
);

const report = await verifyLedger(log.store, { logKey });
say(
  `\nverify: ${report.ok ? "OK" : `FAILED ${report.problem?.code}`}: ${report.entries} entries, ${report.actors} actors, ${report.checkpoints} checkpoints, witnesses ${report.witnesses.join(", ")}, root ${report.root}`,
);
say(`leaf of #${created.index}: ${toHex((await log.store.entry(created.index))!.leafHash)}`);
say(`\nnext: npx optprov log show --ledger ${ledger}   |   npx optprov verify --ledger ${ledger}`);
await log.close();
if (!report.ok) process.exitCode = 1;
