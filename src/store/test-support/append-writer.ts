/**
 * Concurrent-writer child: opens the ledger at the location given (any store `openStore` knows),
 * appends `count` notes signed by the actor key in $WRITER_KEY through `Log`, in batches of 1 to 5,
 * and prints `done <entries>` at the end. Several of these run at once against one ledger.
 */
import fs from "node:fs";
import { parseSignerKey } from "../../ledger/keys.js";
import { Log } from "../../ledger/log.js";
import { openStore } from "../open-store.js";

const [location, countText] = process.argv.slice(2);
const key = parseSignerKey(process.env.WRITER_KEY ?? "");
const count = Number(countText);
const log = await Log.open(await openStore(location!));
let written = 0;
while (written < count) {
  const n = Math.min(count - written, 1 + Math.floor(Math.random() * 5));
  const batch = Array.from({ length: n }, (_, i) =>
    log.sign(
      "note",
      { actor: key.name, time: new Date().toISOString(), text: `${key.name} ${written + i}` },
      key,
    ),
  );
  await log.append(batch);
  written += n;
}
await log.close();
fs.writeSync(1, `done ${written}\n`);
