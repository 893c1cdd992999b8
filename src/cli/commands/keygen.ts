import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { UsageError } from "../../errors.js";
import { ALG_COSIGNATURE_V1, ALG_ED25519, formatVerifierKey, generateSignerKey } from "../../ledger/keys.js";
import { WitnessRecord } from "../../oversight/witness-record.js";
import { writeKeyFile } from "../../sdk/location.js";
import type { GlobalOptions } from "../context.js";
import { makeOutput } from "../output.js";

export function registerKeygen(program: Command, globals: () => GlobalOptions): void {
  program
    .command("keygen")
    .description("Create an Ed25519 key: writes the private key (mode 0600), prints the C2SP verifier key")
    .requiredOption(
      "--name <name>",
      "the key's name (an actor, optimizer, overseer or witness); no spaces or '+'",
    )
    .option(
      "--out <file>",
      "where to write the private key (default: ./<name>.key); written atomically, missing folders are made",
    )
    .option("--witness", "make a checkpoint cosigner key (C2SP tlog-cosignature, type 0x04)")
    .option("--force", "replace an existing key file")
    .action((opts: { name: string; out?: string; witness?: boolean; force?: boolean }) => {
      const out = makeOutput(globals().json === true);
      const key = generateSignerKey(opts.name, opts.witness ? ALG_COSIGNATURE_V1 : ALG_ED25519);
      const file = opts.out ?? `${opts.name.replace(/[^A-Za-z0-9._-]/g, "_")}.key`;
      // A witness starts its signed record with its key, so a missing record later means a deleted one.
      const record = opts.witness ? `${file}.record` : undefined;
      if (record !== undefined && !opts.force && fs.existsSync(record))
        throw new UsageError(
          "FILE_EXISTS",
          `${record} already exists; pass --force to start a new witness record`,
        );
      writeKeyFile(file, key, opts.force === true, "--out");
      if (record !== undefined) {
        fs.rmSync(record, { force: true });
        WitnessRecord.create(record, key);
      }
      const verifier = formatVerifierKey(key);
      out.result(
        {
          name: key.name,
          keyFile: path.resolve(file),
          verifierKey: verifier,
          witness: opts.witness === true,
          ...(record ? { record: path.resolve(record) } : {}),
        },
        () =>
          [
            `wrote private key ${file} (mode 0600)`,
            ...(record ? [`started the witness's signed record ${record}`] : []),
            "public verifier key:",
            verifier,
          ].join("\n"),
      );
    });
}
