/** `optprov witness cosign`: act as a witness of the log, keeping a signed record of what it cosigned. */
import fs from "node:fs";
import type { Command } from "commander";
import { UsageError, VerificationError } from "../../errors.js";
import { formatVerifierKey, type SignerKey } from "../../ledger/keys.js";
import { cosignLatest } from "../../oversight/witness.js";
import { WitnessRecord } from "../../oversight/witness-record.js";
import { readInputText, shownPath } from "../../sdk/input-file.js";
import { readVerifierKey } from "../../sdk/location.js";
import { listen, parseListen } from "../../server/listen.js";
import { createWitnessServer } from "../../server/witness-app.js";
import {
  existingLedgerPath,
  type GlobalOptions,
  KEY_SOURCE_HELP,
  openExistingLog,
  settings,
  signingKey,
  withLog,
} from "../context.js";
import { makeOutput } from "../output.js";
import { untilSignalled } from "./serve.js";

/** A record is a line per cosignature; this is millions of them, and far beyond any honest one. */
const MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** Where a witness keeps its record by default: beside its key file (keygen --witness starts it). */
export function defaultRecordFile(keySource: string): string {
  if (keySource.startsWith("env:") || keySource === "")
    throw new UsageError(
      "USAGE",
      `--record: a witness key from ${keySource || "the settings"} has no file to keep its record beside; pass --record FILE`,
    );
  return `${keySource}.record`;
}

function exists(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/** Open the witness's record, or refuse as `witness cosign` does when it is missing. */
function openRecord(file: string, key: SignerKey): WitnessRecord {
  if (!exists(file))
    throw new VerificationError(
      "WITNESS_RECORD_MISSING",
      `witness record ${shownPath(file)} is missing: it was deleted or never made (keygen --witness starts one); a witness without its record refuses to cosign`,
    );
  return WitnessRecord.parse(
    file,
    readInputText(file, { what: "witness record", maxBytes: MAX_RECORD_BYTES }),
    key,
  );
}

export function registerWitness(program: Command, globals: () => GlobalOptions): void {
  const w = program.command("witness").description("Act as a witness of the log");
  w.command("serve")
    .description(
      "Serve a C2SP tlog-witness: POST /add-checkpoint cosigns a log's checkpoint after checking its consistency proof from what this witness's signed record last attested",
    )
    .option(
      "--key <key>",
      `the witness's cosigner key (keygen --witness): ${KEY_SOURCE_HELP} (default: $OPTPROV_WITNESS_KEY or keys.witness in optprov.yml)`,
    )
    .option("--record <file>", "the witness's signed record (default: <key file>.record)")
    .option(
      "--log <key>",
      "a log to witness: its verifier key (or a file holding it); its origin is the key's name; repeatable",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option("--listen <host:port>", "where to listen (default: 127.0.0.1:4851, loopback only)")
    .addHelpText(
      "after",
      `
The body of add-checkpoint is "old <size>", the consistency proof lines, a blank line and the
signed checkpoint (c2sp.org/tlog-witness). Answers: 200 with the cosignature line; 409 with the
size this witness last cosigned (text/x.tlog.size); 422 for a proof that does not verify; 403 when
no trusted log key signed the checkpoint; 404 for a log it does not witness. The record is read
and checked on every request. SIGTERM or Ctrl-C closes cleanly.`,
    )
    .action(async (opts: { key?: string; record?: string; log: string[]; listen?: string }) => {
      const g = globals();
      const key = signingKey(g, opts.key, "witness", "--key");
      if (opts.log.length === 0)
        throw new UsageError("USAGE", "--log: expected at least one log's verifier key to witness");
      const logs = opts.log.map((text) => {
        const logKey = readVerifierKey(text, "--log", "log");
        return { origin: logKey.name, keys: [logKey] };
      });
      const file = opts.record ?? defaultRecordFile(opts.key ?? settings(g).keys.witness?.value ?? "");
      openRecord(file, key);
      const app = createWitnessServer({ key, record: () => openRecord(file, key), logs });
      const listening = await listen(app, parseListen(opts.listen ?? "127.0.0.1:4851"));
      makeOutput(g.json === true).result(
        {
          url: listening.url,
          witness: formatVerifierKey(key),
          record: file,
          logs: logs.map((l) => l.origin),
        },
        () =>
          `optprov witness serve: listening on ${listening.url} (witness ${key.name}, record ${shownPath(file)}, logs ${logs.map((l) => l.origin).join(", ")})`,
      );
      await untilSignalled(() => listening.close());
    });
  w.command("cosign")
    .description(
      "Cosign the latest checkpoint after checking it is consistent with the last one this witness attested (its signed record, checked against the log's own evidence)",
    )
    .option(
      "--key <key>",
      `the witness's cosigner key (keygen --witness): ${KEY_SOURCE_HELP} (default: $OPTPROV_WITNESS_KEY or keys.witness in optprov.yml)`,
    )
    .option(
      "--record <file>",
      "the witness's signed record of what it cosigned (default: <key file>.record, started by keygen --witness)",
    )
    .option(
      "--fresh <reason>",
      "start afresh when the record is missing or behind the log's evidence; the reason is written into the record",
    )
    .action(async (opts: { key?: string; record?: string; fresh?: string }) => {
      const g = globals();
      const out = makeOutput(g.json === true);
      const key = signingKey(g, opts.key, "witness", "--key");
      // The ledger first: a mistyped ledger path is the problem to report, not a record it never read.
      existingLedgerPath(g);
      const file = opts.record ?? defaultRecordFile(opts.key ?? settings(g).keys.witness?.value ?? "");
      let record: WitnessRecord;
      if (exists(file)) {
        record = WitnessRecord.parse(
          file,
          readInputText(file, { what: "witness record", maxBytes: MAX_RECORD_BYTES }),
          key,
        );
      } else if (opts.fresh !== undefined) {
        record = WitnessRecord.create(file, key);
      } else {
        throw new VerificationError(
          "WITNESS_RECORD_MISSING",
          `witness record ${shownPath(file)} is missing: it was deleted or never made (keygen --witness starts one); a witness without its record refuses to cosign (pass --fresh REASON to start afresh)`,
        );
      }
      const done = await withLog(openExistingLog(g, { write: true, logKey: "none" }), (log) =>
        cosignLatest(log, key, record, opts.fresh !== undefined ? { fresh: opts.fresh } : {}),
      );
      out.result({ witness: formatVerifierKey(key), record: file, ...done }, () =>
        [
          done.fresh !== undefined ? `started afresh (recorded in ${shownPath(file)}: ${done.fresh})` : "",
          done.checkedFrom !== undefined
            ? `checked consistency from size ${done.checkedFrom} to ${done.size}`
            : `first cosignature by ${key.name} for this log`,
          `cosigned checkpoint of size ${done.size}:`,
          done.line.trimEnd(),
        ]
          .filter(Boolean)
          .join("\n"),
      );
    });
}
