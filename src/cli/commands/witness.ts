import fs from "node:fs";
import type { Command } from "commander";
import { UsageError } from "../../errors.js";
import { formatVerifierKey } from "../../ledger/keys.js";
import { cosignLatest } from "../../oversight/witness.js";
import { WitnessRecord } from "../../oversight/witness-record.js";
import { readSignerKey } from "../../sdk/location.js";
import { type GlobalOptions, KEY_SOURCE_HELP, openLogForRead, withLog } from "../context.js";
import { makeOutput } from "../output.js";

/** Where a witness keeps its record by default: beside its key file. */
export function defaultRecordFile(keySource: string): string {
  if (keySource.startsWith("env:"))
    throw new UsageError(
      "USAGE",
      `--record: a witness key from ${keySource} has no file to keep its record beside; pass --record FILE`,
    );
  return `${keySource}.record`;
}

export function registerWitness(program: Command, globals: () => GlobalOptions): void {
  const w = program.command("witness").description("Act as a witness of the log");
  w.command("cosign")
    .description(
      "Cosign the latest checkpoint after checking it is consistent with the last one this witness attested (its signed record, checked against the log's own evidence)",
    )
    .requiredOption("--key <key>", `the witness's cosigner key (keygen --witness): ${KEY_SOURCE_HELP}`)
    .option(
      "--record <file>",
      "the witness's signed record of what it cosigned (default: <key file>.record, made by keygen --witness)",
    )
    .option(
      "--fresh <reason>",
      "start afresh when the record is missing or behind the log's evidence; the reason is written into the record",
    )
    .action(async (opts: { key: string; record?: string; fresh?: string }) => {
      const g = globals();
      const key = readSignerKey(opts.key, "--key");
      const file = opts.record ?? defaultRecordFile(opts.key);
      const record =
        opts.fresh !== undefined && !fs.existsSync(file)
          ? WitnessRecord.create(file, key)
          : WitnessRecord.open(file, key);
      await withLog(openLogForRead(g, true), async (log) => {
        const done = await cosignLatest(
          log,
          key,
          record,
          opts.fresh !== undefined ? { fresh: opts.fresh } : {},
        );
        makeOutput(g.json === true).result({ witness: formatVerifierKey(key), record: file, ...done }, () =>
          [
            done.fresh !== undefined ? `started afresh (recorded in ${file}: ${done.fresh})` : "",
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
    });
}
