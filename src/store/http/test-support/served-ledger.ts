/**
 * A real `optprov serve` app over a real SQLite ledger, listening on a real loopback socket, for
 * the remote store's tests: the same `createServer` and `listen` the command uses.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ControlState } from "../../../control/state.js";
import { toHex } from "../../../ledger/base64.js";
import { sha256 } from "../../../ledger/crypto.js";
import { formatVerifierKey, generateSignerKey, type SignerKey } from "../../../ledger/keys.js";
import { Log } from "../../../ledger/log.js";
import { ledgerRules } from "../../../oversight/gate-detectors.js";
import type { Access, Role } from "../../../server/access.js";
import { createServer, type OptprovServer } from "../../../server/app.js";
import { listen } from "../../../server/listen.js";
import { SqliteStore } from "../../sqlite/sqlite-store.js";

export interface ServedLedger {
  readonly url: string;
  readonly log: Log<ControlState>;
  readonly server: OptprovServer;
  readonly file: string;
  close(): Promise<void>;
}

export const tmpDir = (prefix = "optprov-remote-"): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** Tokens by role, for `serveLedger({ tokens })`: each token text is `<role>-token`. */
export function accessFor(roles: readonly Role[], anonymousReads = false): Access {
  return {
    anonymousReads,
    tokens: new Map(
      roles.map((role) => [
        toHex(sha256(Buffer.from(`${role}-token`, "utf8"))),
        { key: formatVerifierKey(generateSignerKey(role)), role },
      ]),
    ),
  };
}

let n = 0;
/** Serve a new ledger (or the one at `file`) on 127.0.0.1 at a port the system picks. */
export async function serveLedger(
  dir: string,
  options: { readonly logKey?: SignerKey; readonly access?: Access; readonly file?: string } = {},
): Promise<ServedLedger> {
  const file = options.file ?? path.join(dir, `served-${process.pid}-${n++}.db`);
  const logKey = options.logKey ?? generateSignerKey("log.remote.test");
  const log = await Log.open(SqliteStore.open(file), { logKey, rules: ledgerRules() });
  const server = createServer({
    log,
    checkpointDelayMs: false,
    logLine: () => undefined,
    limits: { rate: false },
    ...(options.access ? { access: options.access } : {}),
  });
  const listening = await listen(server, { host: "127.0.0.1", port: 0 });
  return {
    url: listening.url,
    log,
    server,
    file,
    async close() {
      await server.close();
      await listening.close();
      await log.close();
    },
  };
}
