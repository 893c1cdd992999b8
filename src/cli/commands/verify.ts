import type { Command } from "commander";
import type { VerifyReport, WitnessReport } from "../../ledger/verify.js";
import { verifyLedger } from "../../oversight/verify.js";
import { readVerifierKey } from "../../sdk/location.js";
import { type GlobalOptions, openExistingStore } from "../context.js";
import { makeOutput, oneLine } from "../output.js";
import type { Style } from "../style.js";
import { parseIndex } from "./args.js";

/** A witness by name and key id, and whether it is one of the pinned keys: never by its name alone. */
function witnessLabel(w: WitnessReport, pinning: boolean, style: Style): string {
  const pin = pinning ? (w.pinned ? ", pinned" : `, ${style.bad("NOT PINNED")}`) : "";
  return `${oneLine(w.name)} (key ${w.keyId}${pin})`;
}

function human(r: VerifyReport, pinned: boolean, pinning: boolean, style: Style): string {
  const lines = [
    `ledger ${oneLine(r.origin ?? "(no identity)")}: ${r.entries.toLocaleString("en")} entries, ${r.actors} actors (${r.rootActors.length} root: ${r.rootActors.map(oneLine).join(", ") || "none"}), ${r.checkpoints} checkpoints, witnesses: ${r.witnesses.map((w) => witnessLabel(w, pinning, style)).join(", ") || "none"}`,
    `root ${r.root}`,
  ];
  if (!pinned)
    lines.push("note: checked against the log key recorded in the ledger itself; pin it with --log-pubkey");
  if (r.markCount > 0)
    lines.push(
      `${r.markCount} entr${r.markCount === 1 ? "y" : "ies"} admitted under an audit-mode policy that enforce mode would have refused (first: #${r.marks[0]!.index} ${r.marks[0]!.code})`,
    );
  lines.push(
    r.problem
      ? `${style.bad("FAILED")} ${r.problem.code}${r.problem.index !== undefined ? ` at #${r.problem.index}` : ""}: ${oneLine(r.problem.message)}`
      : `${style.good("OK")}: every hash, signature, actor binding, parent link, time, control rule and checkpoint checks out`,
  );
  return lines.join("\n");
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerVerify(program: Command, globals: () => GlobalOptions): void {
  program
    .command("verify")
    .description(
      "Re-derive and check every leaf, subtree hash, signature, actor binding, parent link, time, control rule (gate, approvals, halts, policies) and checkpoint; exits 1 on the first problem",
    )
    .option(
      "--log-pubkey <key>",
      "pin the log's verifier key (or a file holding it) instead of trusting the one in the ledger",
    )
    .option(
      "--witness <key>",
      "pin a witness's verifier key (or a file holding it); repeat for several. Cosignatures by other keys are reported as not pinned and never counted",
      collect,
    )
    .option(
      "--min-witnesses <n>",
      "pinned witnesses that must have cosigned the latest checkpoint (default 1 when --witness is given)",
    )
    .action(async (opts: { logPubkey?: string; witness?: string[]; minWitnesses?: string }) => {
      const g = globals();
      const out = makeOutput(g.json === true);
      const pin = opts.logPubkey ?? (process.env.OPTPROV_LOG_PUBKEY || undefined);
      const what = opts.logPubkey === undefined ? "OPTPROV_LOG_PUBKEY" : "--log-pubkey";
      const logKey = pin !== undefined ? readVerifierKey(pin, what, "log") : undefined;
      const witnesses = (opts.witness ?? []).map((w) => readVerifierKey(w, "--witness", "witness"));
      const min =
        opts.minWitnesses !== undefined ? parseIndex(opts.minWitnesses, "--min-witnesses") : undefined;
      // The store alone: the verifier replays every entry itself and trusts no state a log derived.
      const store = await openExistingStore(g, false);
      try {
        const report = await verifyLedger(store, {
          ...(logKey ? { logKey } : {}),
          ...(witnesses.length > 0 ? { witnesses } : {}),
          ...(min !== undefined ? { minWitnesses: min } : {}),
          onProgress: (d, t) => out.progress("verifying", d, t),
        });
        out.done();
        out.result(report, () => human(report, logKey !== undefined, witnesses.length > 0, out.style));
        if (!report.ok) process.exitCode = 1;
      } finally {
        await store.close();
      }
    });
}
