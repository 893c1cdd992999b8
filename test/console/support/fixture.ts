/**
 * What the console's browser tests and bench run against: a real SQLite ledger written through the
 * SDK, a real `createServer` over its own `Log` of the same file (as `optprov serve` is beside a
 * builder's process), on a real socket, and Debian's chromium driven by playwright-core.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Browser, chromium } from "playwright-core";
import { buildConsole } from "../../../src/console/build.js";
import type { ControlState } from "../../../src/control/state.js";
import type { SignerKey } from "../../../src/ledger/keys.js";
import { Log } from "../../../src/ledger/log.js";
import { ledgerRules } from "../../../src/oversight/gate-detectors.js";
import { createServer, type OptprovServer } from "../../../src/server/app.js";
import { type Listening, listen } from "../../../src/server/listen.js";
import type { WitnessEndpoint } from "../../../src/server/witness-client.js";
import { SqliteStore } from "../../../src/store/sqlite/sqlite-store.js";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

export const tmpDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "optprov-console-"));

export interface Served {
  readonly url: string;
  readonly log: Log<ControlState>;
  readonly server: OptprovServer;
  close(): Promise<void>;
}

/**
 * Build the console, open a second `Log` over `file` and serve it on a loopback port, asking
 * `witnesses` (if any) to cosign each checkpoint it signs.
 */
export async function serveLedger(
  file: string,
  logKey: SignerKey,
  witnesses: readonly WitnessEndpoint[] = [],
): Promise<Served> {
  await buildConsole();
  const log = await Log.open(SqliteStore.open(file), { logKey, rules: ledgerRules() });
  const server = createServer({
    log,
    witnesses,
    checkpointDelayMs: 50,
    logLine: () => undefined,
    limits: { rate: false },
  });
  const at: Listening = await listen(server, { host: "127.0.0.1", port: 0 });
  return {
    url: at.url,
    log,
    server,
    async close() {
      await at.close();
      await server.close();
      await log.close();
    },
  };
}

export function launch(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (the tests use Debian's build)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...(process.getuid?.() === 0 ? ["--no-sandbox"] : []), "--headless=new"],
  });
}
