/** `optprov serve`: the ledger over HTTP (JSON API, C2SP tlog-tiles, witnesses asked to cosign). */
import fs from "node:fs";
import type { Command } from "commander";
import { StoreError, UsageError } from "../../errors.js";
import { otlpHandler } from "../../interop/otlp/handler.js";
import type { VerifierKey } from "../../ledger/keys.js";
import { readInputText, shownPath } from "../../sdk/input-file.js";
import { openLedger } from "../../sdk/ledger.js";
import { readSignerKey, readVerifierKey } from "../../sdk/location.js";
import { createServer, DEFAULT_LISTEN, listen, parseListen } from "../../server/index.js";
import { parseTokensFile } from "../../server/tokens-file.js";
import { openStore, parseStoreLocation } from "../../store/open-store.js";
import { type GlobalOptions, ledgerPath, openExistingLog, reportCreated, settings } from "../context.js";
import { makeOutput } from "../output.js";
import { parseIndex } from "./args.js";

/**
 * Run until SIGTERM or SIGINT, then close `close` and resolve.
 *
 * @example await untilSignalled(() => listening.close());
 */
export function untilSignalled(close: () => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = () => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      close().then(resolve, reject);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
}

/** `--witness URL=KEY`: a witness's submission prefix and its cosigner key (text or file). */
function parseWitness(text: string): { url: string; key: VerifierKey } {
  const at = text.indexOf("=");
  const url = at < 0 ? "" : text.slice(0, at);
  if (!/^https?:\/\/[^\s]+$/.test(url))
    throw new UsageError(
      "USAGE",
      `--witness: expected URL=KEY (http://host:port=witness.pub), got ${JSON.stringify(text.slice(0, 80))}`,
    );
  return { url, key: readVerifierKey(text.slice(at + 1), "--witness key", "witness") };
}

/**
 * Whether the ledger at `location` has no log yet: no file, or a database without one (a URL is
 * never a file, so looking for one would open, replay and "create" a database ledger at every start).
 */
async function holdsNoLog(location: string): Promise<boolean> {
  const where = parseStoreLocation(location);
  if (where.kind === "sqlite") return !fs.existsSync(where.file);
  const probe = await openStore(location, { readonly: true });
  try {
    return (await probe.meta()) === undefined;
  } catch (err) {
    if (err instanceof StoreError && err.code === "STORE_NOT_INITIALISED") return true;
    throw err;
  } finally {
    await probe.close();
  }
}

export function registerServe(program: Command, globals: () => GlobalOptions): void {
  program
    .command("serve")
    .description("Serve the ledger over HTTP: appends decided by the log, reads, proofs, C2SP tlog-tiles")
    .option(
      "--listen <host:port>",
      `where to listen (default: $OPTPROV_LISTEN, then ${DEFAULT_LISTEN}, loopback only)`,
    )
    .option(
      "--tokens <file>",
      "API tokens by SHA-256, each bound to a verifier key and a role (builder, overseer, witness, auditor); without it every request may read and write",
    )
    .option(
      "--witness <url=key>",
      "a tlog-witness asked to cosign each new checkpoint; repeatable",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option("--checkpoint-ms <ms>", "sign a checkpoint this long after an append (default 1000)")
    .option(
      "--collector-key <file>",
      "take OTLP/HTTP traces at POST /v1/traces, signed into the ledger by this collector (a registered system actor)",
    )
    .addHelpText(
      "after",
      `
Clients sign their entries themselves and POST them as one batch to /v1/entries; the log's
admission rules and the control rules decide, and a refused batch writes nothing. The log key
(beside the ledger, or --log-key) signs checkpoints; without it the server serves what is signed.

Endpoints: POST /v1/entries; GET /v1/entries?start=&end=, /v1/entries/:index, /v1/optimizers,
/v1/optimizers/:name, /v1/tree, /v1/review, /v1/findings, /v1/checkpoint,
/v1/proof/inclusion/:index?size=, /v1/proof/consistency?old=&new=, /v1/log, /v1/checkpoints,
/v1/blobs, /v1/blobs/:digest, /v1/events (Server-Sent Events of the log's size), /healthz; POST /v1/traces
(OTLP/HTTP, with --collector-key); C2SP tlog-tiles
/checkpoint, /tile/<L>/<N>[.p/<W>], /tile/entries/<N>[.p/<W>]. Errors are JSON
{"error":{"code","message"}}. SIGTERM or Ctrl-C closes cleanly. See docs/server.md.`,
    )
    .action(
      async (opts: {
        listen?: string;
        tokens?: string;
        witness: string[];
        checkpointMs?: string;
        collectorKey?: string;
      }) => {
        const g = globals();
        if (g.server !== undefined)
          throw new UsageError(
            "USAGE",
            "serve serves a ledger file (--ledger); --server names a server to use, not one to be",
          );
        const at = parseListen(opts.listen ?? (process.env.OPTPROV_LISTEN || DEFAULT_LISTEN));
        const access =
          opts.tokens === undefined
            ? undefined
            : parseTokensFile(
                readInputText(opts.tokens, { what: "--tokens", maxBytes: 16 << 20 }),
                shownPath(opts.tokens),
              );
        const witnesses = opts.witness.map(parseWitness);
        const collector =
          opts.collectorKey === undefined
            ? undefined
            : readSignerKey(opts.collectorKey, "--collector-key", "actor");
        const file = ledgerPath(g);
        if (await holdsNoLog(file)) {
          // A new ledger, with a new log key beside it unless one is named, as the SDK makes one.
          const named = settings(g).logKey;
          const source = named.source === "default" ? undefined : named.value;
          const made = await openLedger({ path: file, ...(source ? { logKey: source } : {}) });
          const origin = made.log.origin;
          await made.close();
          // The SDK says so when it writes a new log key.
          reportCreated({ ledger: file, logKeyFile: undefined, origin });
        }
        const log = await openExistingLog(g, { write: true, logKey: "optional", local: true });
        const server = createServer({
          log,
          ...(access ? { access } : {}),
          witnesses,
          ...(collector ? { otlp: otlpHandler({ target: { log }, collector }) } : {}),
          ...(opts.checkpointMs !== undefined
            ? { checkpointDelayMs: parseIndex(opts.checkpointMs, "--checkpoint-ms") }
            : {}),
        });
        let listening: Awaited<ReturnType<typeof listen>>;
        try {
          listening = await listen(server, at);
        } catch (err) {
          await server.close();
          await log.close();
          throw err;
        }
        makeOutput(g.json === true).result(
          { url: listening.url, origin: log.origin, ledger: file },
          () => `optprov serve: listening on ${listening.url} (log ${log.origin}, ledger ${shownPath(file)})`,
        );
        await untilSignalled(async () => {
          // Event streams never end on their own: the server ends them, so the socket can close
          // once the other requests under way have finished.
          const closing = listening.close();
          await server.close();
          await closing;
          await log.close();
        });
      },
    );
}
