/**
 * Concurrent-writer child: opens the ledger at the location given (any store `openStore` knows),
 * appends `count` notes signed by the actor key in $WRITER_KEY through `Log`, in batches of 1 to 5,
 * and prints `done <entries> gave-up <times>` at the end: how often `Log.append` gave up, every
 * catch-up attempt beaten by other writers. Before appends backed off between attempts this was 0
 * to 5 times per writer in 40 to 70 batches (PostgreSQL, four writers on two busy cores); the
 * suite now expects 0. Several of these run at once against one ledger.
 */
import fs from "node:fs";
import { StoreError } from "../../errors.js";
import { parseSignerKey } from "../../ledger/keys.js";
import { Log } from "../../ledger/log.js";
import { openStore } from "../open-store.js";

const [location, countText] = process.argv.slice(2);
const key = parseSignerKey(process.env.WRITER_KEY ?? "");
const count = Number(countText);
const log = await Log.open(await openStore(location!));
let written = 0;
let gaveUp = 0;
while (written < count) {
  const n = Math.min(count - written, 1 + Math.floor(Math.random() * 5));
  const batch = Array.from({ length: n }, (_, i) =>
    log.sign(
      "note",
      { actor: key.name, time: new Date().toISOString(), text: `${key.name} ${written + i}` },
      key,
    ),
  );
  try {
    await log.append(batch);
  } catch (err) {
    // The log gave up after losing the race to the store every time: count it and try again.
    if (!(err instanceof StoreError && err.code === "STORE_CONFLICT")) throw err;
    gaveUp++;
    await new Promise((res) => setTimeout(res, Math.random() * 20));
    continue;
  }
  written += n;
}
await log.close();
fs.writeSync(1, `done ${written} gave-up ${gaveUp}\n`);
