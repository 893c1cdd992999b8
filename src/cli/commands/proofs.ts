/** Checkpoints, proofs and the log's key: what lets someone check the log without trusting it. */
import type { Command } from "commander";
import { FormatError, UsageError } from "../../errors.js";
import { encodeBase64 } from "../../ledger/base64.js";
import { formatVerifierKey } from "../../ledger/keys.js";
import { checkpointWithCosignatures } from "../../ledger/log.js";
import { MAX_NOTE_BYTES } from "../../ledger/note.js";
import {
  CONSISTENCY_PROOF_HEADER,
  formatConsistencyProof,
  TLOG_PROOF_HEADER,
} from "../../ledger/tlog-proof.js";
import { verifyProofFile } from "../../ledger/verify-proof.js";
import { readInputText, shownPath } from "../../sdk/input-file.js";
import { readVerifierKey } from "../../sdk/location.js";
import { checkOutputFile, writeOutputFile } from "../../sdk/output-file.js";
import { type GlobalOptions, logKeyAtHand, openExistingLog, openExistingStore, withLog } from "../context.js";
import { makeOutput } from "../output.js";
import { parseIndex } from "./args.js";

/**
 * The largest proof file read: the parser's own limit (`MAX_FILE_BYTES` in ledger/tlog-proof.ts,
 * four signed notes' worth), here so that the bytes beyond it are never read in the first place.
 */
const MAX_PROOF_FILE_BYTES = 4 * MAX_NOTE_BYTES;

function writeOrPrint(
  file: string | undefined,
  text: string,
  json: boolean,
  extra: Record<string, unknown>,
): void {
  if (file !== undefined) writeOutputFile(file, text, { what: "--out" });
  makeOutput(json).result({ ...extra, ...(file ? { file } : { proof: text }) }, () =>
    file ? `wrote ${file}` : text.trimEnd(),
  );
}

export function registerProofs(program: Command, globals: () => GlobalOptions): void {
  program
    .command("checkpoint")
    .description("Sign a checkpoint (C2SP tlog-checkpoint) over the log as it stands, and print it")
    .action(async () => {
      const g = globals();
      await withLog(openExistingLog(g, { write: true, logKey: "required" }), async (log) => {
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

  program
    .command("log-key")
    .description(
      "Print the log's verifier key (C2SP name+id+base64), read from the ledger; pin it to verify offline",
    )
    .action(async () => {
      const g = globals();
      const store = await openExistingStore(g, false);
      try {
        // openExistingStore has checked that the ledger holds a log, so its identity is there.
        const meta = (await store.meta())!;
        makeOutput(g.json === true).result({ origin: meta.origin, logKey: meta.logKey }, () => meta.logKey);
      } finally {
        await store.close();
      }
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
      // Checked first: a proof that cannot be written must not leave a new checkpoint behind.
      if (opts.out !== undefined) checkOutputFile(opts.out, { what: "--out" });
      await withLog(openExistingLog(g, { write: true, logKey: "optional" }), async (log) => {
        if (i >= log.size)
          throw new UsageError("USAGE", `INDEX: expected < ${log.size} (the log's size), got ${i}`);
        const latest = await log.store.latestCheckpoint();
        if ((latest === undefined || latest.size <= i) && logKeyAtHand(g) === undefined)
          throw new UsageError(
            "FILE_NOT_FOUND",
            `no checkpoint covers entry #${i} yet, and signing one needs the log key; pass --log-key, or run optprov checkpoint where the key is`,
          );
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
      if (opts.out !== undefined) checkOutputFile(opts.out, { what: "--out" });
      await withLog(openExistingLog(g, { write: false, logKey: "none" }), async (log) => {
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
      const keyText = opts.logPubkey ?? (process.env.OPTPROV_LOG_PUBKEY || undefined);
      if (keyText === undefined)
        throw new UsageError(
          "USAGE",
          "--log-pubkey: the log's verifier key is needed (optprov log-key prints it where the ledger is)",
        );
      const logKey = readVerifierKey(
        keyText,
        opts.logPubkey === undefined ? "OPTPROV_LOG_PUBKEY" : "--log-pubkey",
        "log",
      );
      const witnesses = opts.witness.map((w) => readVerifierKey(w, "--witness", "witness"));
      const text = readInputText(file, { what: "proof file", maxBytes: MAX_PROOF_FILE_BYTES });
      // The parser quotes what it could not parse; a file that is not a proof at all (a key someone
      // symlinked here) is refused without a word of its content.
      const header = text.slice(0, Math.max(0, text.indexOf("\n")));
      if (header !== TLOG_PROOF_HEADER && header !== CONSISTENCY_PROOF_HEADER)
        throw new FormatError(
          "PROOF_FILE_INVALID",
          `proof file ${shownPath(file)}: expected its first line to be ${TLOG_PROOF_HEADER} or ${CONSISTENCY_PROOF_HEADER}`,
        );
      const out = makeOutput(g.json === true);
      const result = verifyProofFile(text, {
        logKey,
        witnesses,
        ...(opts.minWitnesses !== undefined
          ? { minWitnesses: parseIndex(opts.minWitnesses, "--min-witnesses") }
          : {}),
      });
      out.result({ ok: true, ...result }, () => {
        const w = result.witnesses.length > 0 ? `, cosigned by ${result.witnesses.join(", ")}` : "";
        const ok = out.style.good("OK");
        return result.kind === "inclusion"
          ? `${ok}: entry #${result.index} (${result.entry?.statement.kind} by ${result.entry?.statement.predicate.actor}) is in log ${result.origin} at size ${result.size}${w}`
          : `${ok}: log ${result.origin} at size ${result.oldSize} is a prefix of size ${result.size}${w}`;
      });
    });
}
