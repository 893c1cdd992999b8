/**
 * npm run demo: the worked examples (a thermostat, tic-tac-toe self-play that creates an MCTS
 * player through the gate, a hyper-parameter search three generations deep) recorded into the
 * embedded default ledger (.optprov/ledger.db, or $OPTPROV_LEDGER); then a signed checkpoint, a
 * witness cosignature, an offline proof file, and a verification pinned to the log key.
 * Safe to run repeatedly: each run adds to the same ledger.
 */
import fs from "node:fs";
import path from "node:path";
import { runAll } from "../examples/run-all.js";
import {
  formatVerifierKey,
  generateSignerKey,
  parseSignerKey,
  type SignerKey,
  withType,
} from "../src/ledger/keys.js";
import { checkpointWithCosignatures } from "../src/ledger/log.js";
import { verifyProofFile } from "../src/ledger/verify-proof.js";
import { verifyLedger } from "../src/oversight/verify.js";
import { cosignLatest } from "../src/oversight/witness.js";
import { WitnessRecord } from "../src/oversight/witness-record.js";
import { openLedger } from "../src/sdk/ledger.js";
import { resolveLedgerPath, writeKeyFile } from "../src/sdk/location.js";

const ledgerPath = resolveLedgerPath(process.argv[2]);
const dir = path.dirname(ledgerPath);
const say = (s = "") => console.log(s);

const result = await runAll({ ledgerPath, quick: process.argv.includes("--quick") });

// A witness keeps its own key and its signed record of the checkpoints it cosigned.
const witnessFile = path.join(dir, "keys", "witness-1.key");
const recordFile = `${witnessFile}.record`;
let witness: SignerKey;
if (fs.existsSync(witnessFile)) witness = parseSignerKey(fs.readFileSync(witnessFile, "utf8"));
else {
  witness = withType(generateSignerKey("witness-1"), 0x04);
  writeKeyFile(witnessFile, witness);
  WitnessRecord.create(recordFile, witness);
}
const ledger = await openLedger({ path: ledgerPath });
try {
  const cp = await ledger.log.checkpoint();
  say(
    `\n== checkpoint (C2SP signed note) at size ${cp.size} ==\n${checkpointWithCosignatures(cp).trimEnd()}`,
  );
  const cos = await cosignLatest(ledger.log, witness, WitnessRecord.open(recordFile, witness));
  say(
    `witness-1 cosigned size ${cos.size}${cos.checkedFrom !== undefined ? ` after checking consistency from size ${cos.checkedFrom}` : " (its first cosignature)"}`,
  );

  await ledger.refresh();
  const player = [...ledger.state.optimizers.values()].filter((o) => o.process === "tree-search").at(-1);
  if (player !== undefined) {
    const proofFile = path.join(dir, `${player.name}.tlog-proof`);
    fs.writeFileSync(proofFile, await ledger.log.tlogProof(player.index));
    const check = verifyProofFile(fs.readFileSync(proofFile, "utf8"), {
      logKey: ledger.log.logVerifier,
      witnesses: [witness],
    });
    say(
      `offline proof ${proofFile}: the creation of ${player.name} (#${player.index}) is in the log at size ${check.size}, cosigned by ${check.witnesses.join(", ")}`,
    );
  }
  const report = await verifyLedger(ledger.log.store, { logKey: ledger.log.logVerifier });
  say(
    `\nverify (log key pinned): ${report.ok ? "OK" : `FAILED ${report.problem?.code} at #${report.problem?.index}`}: ${report.entries.toLocaleString("en")} entries, ${report.actors} actors, ${report.checkpoints} checkpoints, witnesses ${report.witnesses.map((w) => `${w.name} (${w.keyId})`).join(", ") || "none"}`,
  );
  say(`log key: ${formatVerifierKey(ledger.log.logVerifier)}`);
  say(
    `\nnext: npx optprov tree | npx optprov explain ${player?.name ?? "<optimizer>"} | npx optprov audit | npx optprov verify`,
  );
  if (!report.ok || !result.verified) process.exitCode = 1;
} finally {
  await ledger.close();
}
