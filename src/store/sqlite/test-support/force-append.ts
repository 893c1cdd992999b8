/**
 * For tests: write entries into a ledger file behind the log's back, the way a client with write
 * access to the database would, recomputing every leaf and node hash so that only the rules (not
 * the tree) can tell. The verifier must still refuse what admission refused.
 */
import fs from "node:fs";
import Database from "better-sqlite3";
import { Frontier, leafHash } from "../../../ledger/merkle.js";

/** Append `envelopes` at the end of the ledger in `file`, bypassing admission. */
export function forceAppend(file: string, envelopes: readonly Uint8Array[]): void {
  const db = new Database(file);
  try {
    db.transaction(() => {
      const size =
        db.prepare<[], { n: number | null }>("SELECT MAX(idx) + 1 AS n FROM entries").get()?.n ?? 0;
      const insert = db.prepare("INSERT INTO entries (idx, envelope, leaf_hash) VALUES (?, ?, ?)");
      for (const [i, e] of envelopes.entries()) insert.run(size + i, e, leafHash(e));
      const rows = db.prepare<[], { leaf_hash: Buffer }>("SELECT leaf_hash FROM entries ORDER BY idx").all();
      db.exec("DELETE FROM nodes");
      const node = db.prepare("INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)");
      const f = new Frontier();
      for (const r of rows)
        for (const n of f.push(new Uint8Array(r.leaf_hash))) node.run(n.level, n.index, n.hash);
    })();
  } finally {
    db.close();
  }
}

/**
 * Copy a ledger that a log may have open: its write-ahead log holds the newest pages, so it is
 * copied with the main file.
 */
export function copyLedger(file: string, to: string): void {
  fs.copyFileSync(file, to);
  if (fs.existsSync(`${file}-wal`)) fs.copyFileSync(`${file}-wal`, `${to}-wal`);
  else fs.rmSync(`${to}-wal`, { force: true });
  fs.rmSync(`${to}-shm`, { force: true });
}
