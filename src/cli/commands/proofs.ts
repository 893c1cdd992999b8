import fs from "node:fs";
import type { Command } from "commander";
import { UsageError } from "../../errors.js";
import { encodeBase64 } from "../../ledger/base64.js";
import { formatVerifierKey, parseVerifierKey, type VerifierKey } from "../../ledger/keys.js";
import { checkpointWithCosignatures } from "../../ledger/log.js";
import { formatConsistencyProof } from "../../ledger/tlog-proof.js";
import { verifyProofFile } from "../../ledger/verify-proof.js";
import { type GlobalOptions, openLogForRead, openLogForWrite, withLog } from "../context.js";
import { makeOutput } from "../output.js";
import { parseIndex } from "./args.js";

function writeOrPrint(
  file: string | undefined,
  text: string,
  json: boolean,
  extra: Record<string, unknown>,
): void {
  if (file !== undefined) fs.writeFileSync(file, text);
  makeOutput(json).result({ ...extra, ...(file ? { file } : { proof: text }) }, () =>
    file ? `wrote ${file}` : text.trimEnd(),
  );
}

/** A verifier key given inline or as a file holding one. */
export function readVerifierKey(value: string, what: string): VerifierKey {
  const text = fs.existsSync(value) ? fs.readFileSync(value, "utf8").trim() : value;
  try {
    return parseVerifierKey(text);
  } catch (err) {
    (err as Error).message = `${what}: ${(err as Error).message}`;
    throw err;
  }
}

export function registerProofs(program: Command, globals: () => GlobalOptions): void {
  program
    .command("checkpoint")
    .description("Sign a checkpoint (C2SP tlog-checkpoint) over the log as it stands, and print it")
    .action(async () => {
      const g = globals();
      await withLog(openLogForWrite(g), async (log) => {
        const cp = await log.checkpoint();
        const note = checkpointWithCosignatures(cp);
        makeOutput(g.json === true).result(
          {
            origin: log.origin,
            size: cp.size,
            root: encodeBase64(await log.rootAt(cp.size)),
            logKey: formatVerifierKey(log.logVerifier),
            checkpoint: note,
          },
          () =>
            `${note.trimEnd()}\n\nlog key (pin it to verify offline): ${formatVerifierKey(log.logVerifier)}`,
        );
      });
    });

  const proof = program.command("proof").description("Make offline proof files");
  proof
    .command("inclusion <index>")
    .description(
      "A C2SP tlog-proof that entry INDEX is in the log, against the latest checkpoint (signing one if needed)",
    )
    .option("--out <file>", "write the proof to a file (conventionally *.tlog-proof)")
    .action(async (index: string, opts: { out?: string }) => {
      const g = globals();
      const i = parseIndex(index, "INDEX");
      await withLog(openLogForRead(g, true), async (log) => {
        if (i >= log.size)
          throw new UsageError("USAGE", `INDEX: expected < ${log.size} (the log's size), got ${i}`);
        writeOrPrint(opts.out, await log.tlogProof(i), g.json === true, { index: i });
      });
    });
  proof
    .command("consistency <old> [new]")
    .description(
      "A proof that the checkpoint at size OLD is a prefix of the one at NEW (default: the latest)",
    )
    .option("--out <file>", "write the proof to a file")
    .action(async (oldText: string, newText: string | undefined, opts: { out?: string }) => {
      const g = globals();
      const oldSize = parseIndex(oldText, "OLD");
      await withLog(openLogForRead(g), async (log) => {
        const all = await log.store.checkpoints();
        const newSize = newText === undefined ? all[all.length - 1]?.size : parseIndex(newText, "NEW");
        const find = (size: number | undefined, what: string) => {
          const cp = all.find((c) => c.size === size);
          if (cp === undefined) {
            throw new UsageError(
              "USAGE",
              `${what}: expected the size of a signed checkpoint (${all.map((c) => c.size).join(", ") || "none yet; run optprov checkpoint"}), got ${size}`,
            );
          }
          return cp;
        };
        const a = find(oldSize, "OLD");
        const b = find(newSize, "NEW");
        if (a.size > b.size)
          throw new UsageError("USAGE", `OLD (${a.size}) must not be larger than NEW (${b.size})`);
        const text = formatConsistencyProof({
          proof: await log.consistencyProof(a.size, b.size),
          oldCheckpoint: checkpointWithCosignatures(a),
          newCheckpoint: checkpointWithCosignatures(b),
        });
        writeOrPrint(opts.out, text, g.json === true, { oldSize: a.size, newSize: b.size });
      });
    });

  program
    .command("verify-proof <file>")
    .description(
      "Check a proof file offline: needs only the log's public key (and witnesses' keys to require cosignatures)",
    )
    .option(
      "--log-pubkey <key>",
      "the log's verifier key, or a file holding it (default: $OPTPROV_LOG_PUBKEY)",
    )
    .option(
      "--witness <key>",
      "a witness verifier key (or file) whose cosignature is required; repeatable",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option("--min-witnesses <n>", "how many of the given witnesses must have cosigned (default: all)")
    .action((file: string, opts: { logPubkey?: string; witness: string[]; minWitnesses?: string }) => {
      const g = globals();
      const keyText = opts.logPubkey ?? process.env.OPTPROV_LOG_PUBKEY;
      if (keyText === undefined)
        throw new UsageError(
          "USAGE",
          "--log-pubkey: the log's verifier key is needed (optprov checkpoint prints it)",
        );
      if (!fs.existsSync(file)) throw new UsageError("FILE_NOT_FOUND", `no proof file at ${file}`);
      const result = verifyProofFile(fs.readFileSync(file, "utf8"), {
        logKey: readVerifierKey(keyText, "--log-pubkey"),
        witnesses: opts.witness.map((w) => readVerifierKey(w, "--witness")),
        ...(opts.minWitnesses !== undefined
          ? { minWitnesses: parseIndex(opts.minWitnesses, "--min-witnesses") }
          : {}),
      });
      makeOutput(g.json === true).result({ ok: true, ...result }, () => {
        const w = result.witnesses.length > 0 ? `, cosigned by ${result.witnesses.join(", ")}` : "";
        return result.kind === "inclusion"
          ? `OK: entry #${result.index} (${result.entry?.statement.kind} by ${result.entry?.statement.predicate.actor}) is in log ${result.origin} at size ${result.size}${w}`
          : `OK: log ${result.origin} at size ${result.oldSize} is a prefix of size ${result.size}${w}`;
      });
    });
}
