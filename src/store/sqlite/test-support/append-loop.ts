/**
 * Crash-test child: appends batches to a ledger forever, printing `ack <index> <leaf hex>` for every
 * entry only after its append resolved (i.e. is durable). The parent SIGKILLs it at random moments.
 */
import fs from "node:fs";
import { toHex } from "../../../ledger/base64.js";
import { formatVerifierKey, parseSignerKey } from "../../../ledger/keys.js";
import { Log } from "../../../ledger/log.js";
import { ledgerRules } from "../../../oversight/gate-detectors.js";
import { SqliteStore } from "../sqlite-store.js";

const [file] = process.argv.slice(2);
const logKey = parseSignerKey(process.env.CRASH_LOG_KEY ?? "");
const actor = parseSignerKey(process.env.CRASH_ACTOR_KEY ?? "");
const log = await Log.open(SqliteStore.open(file!), { logKey, rules: ledgerRules() });
if (!log.core.actors.has(actor.name)) {
  await log.appendEntry(
    "actor",
    { actor: actor.name, time: new Date().toISOString(), role: "system", key: formatVerifierKey(actor) },
    actor,
  );
}
fs.writeSync(1, "ready\n");
for (let n = 0; ; n++) {
  const size = 1 + Math.floor(Math.random() * 40);
  const batch = Array.from({ length: size }, (_, i) =>
    log.sign("note", { actor: actor.name, time: new Date().toISOString(), text: `crash ${n}.${i}` }, actor),
  );
  const done = await log.append(batch);
  fs.writeSync(1, done.map((d) => `ack ${d.index} ${toHex(d.leafHash)}\n`).join(""));
  if (n % 7 === 0) await log.checkpoint();
}
