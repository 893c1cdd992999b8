/** `optprov witness cosign`: act as a witness of the log, keeping a signed record of what it cosigned. */
import fs from "node:fs";
import type { Command } from "commander";
import { UsageError, VerificationError } from "../../errors.js";
import { formatVerifierKey } from "../../ledger/keys.js";
import { cosignLatest } from "../../oversight/witness.js";
import { WitnessRecord } from "../../oversight/witness-record.js";
import { readInputText, shownPath } from "../../sdk/input-file.js";
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

export function registerWitness(program: Command, globals: () => GlobalOptions): void {
  const w = program.command("witness").description("Act as a witness of the log");
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
