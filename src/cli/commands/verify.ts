import type { Command } from "commander";
import { type VerifyReport, verifyLedger } from "../../ledger/verify.js";
import { readVerifierKey } from "../../sdk/location.js";
import { type GlobalOptions, openExistingLog, withLog } from "../context.js";
import { makeOutput } from "../output.js";
import type { Style } from "../style.js";

function human(r: VerifyReport, pinned: boolean, style: Style): string {
  const lines = [
    `ledger ${r.origin ?? "(no identity)"}: ${r.entries.toLocaleString("en")} entries, ${r.actors} actors (${r.rootActors.length} root: ${r.rootActors.join(", ") || "none"}), ${r.checkpoints} checkpoints, witnesses: ${r.witnesses.join(", ") || "none"}`,
    `root ${r.root}`,
  ];
  if (!pinned)
    lines.push("note: checked against the log key recorded in the ledger itself; pin it with --log-pubkey");
  lines.push(
    r.problem
      ? `${style.bad("FAILED")} ${r.problem.code}${r.problem.index !== undefined ? ` at #${r.problem.index}` : ""}: ${r.problem.message}`
      : `${style.good("OK")}: every hash, signature, actor binding, parent link and checkpoint checks out`,
  );
  return lines.join("\n");
}

export function registerVerify(program: Command, globals: () => GlobalOptions): void {
  program
    .command("verify")
    .description(
      "Re-derive and check every leaf, subtree hash, signature, actor binding, parent link and checkpoint; exits 1 on the first problem",
    )
    .option(
      "--log-pubkey <key>",
      "pin the log's verifier key (or a file holding it) instead of trusting the one in the ledger",
    )
    .action(async (opts: { logPubkey?: string }) => {
      const g = globals();
      const out = makeOutput(g.json === true);
      const pin = opts.logPubkey ?? (process.env.OPTPROV_LOG_PUBKEY || undefined);
      const what = opts.logPubkey === undefined ? "OPTPROV_LOG_PUBKEY" : "--log-pubkey";
      const logKey = pin !== undefined ? readVerifierKey(pin, what, "log") : undefined;
      await withLog(openExistingLog(g, { write: false, logKey: "none" }), async (log) => {
        const report = await verifyLedger(log.store, {
          ...(logKey ? { logKey } : {}),
          onProgress: (d, t) => out.progress("verifying", d, t),
        });
        out.done();
        out.result(report, () => human(report, logKey !== undefined, out.style));
        if (!report.ok) process.exitCode = 1;
      });
    });
}
