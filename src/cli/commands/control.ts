/** Halt, resume, explain, tree, export and audit: acting on and reading the control state. */
import type { Command } from "commander";
import type { ControlState } from "../../control/state.js";
import { PolicyError, VerificationError } from "../../errors.js";
import { explain, renderExplanation } from "../../explain/explain.js";
import { provenanceTree, renderTree } from "../../explain/tree.js";
import { type ExportRequest, exportFormat, exportLedger } from "../../interop/export.js";
import type { LedgerStore } from "../../ledger/store.js";
import { explainSpec, renderExplanation as renderSpec, validateOptimizerSpec } from "../../model/index.js";
import { audit, renderAudit } from "../../oversight/audit.js";
import { readLedger } from "../../oversight/read-ledger.js";
import { checkOutputFile, writeOutputFile } from "../../sdk/output-file.js";
import { packageVersion } from "../../version.js";
import {
  type GlobalOptions,
  KEY_SOURCE_HELP,
  logKeyAtHand,
  openExistingLog,
  openExistingStore,
  signingKey,
  withExistingLedger,
  withLog,
} from "../context.js";
import { makeOutput } from "../output.js";
import type { Style } from "../style.js";
import { parseIndex } from "./args.js";

async function readState(g: GlobalOptions): Promise<{ state: ControlState; store: LedgerStore }> {
  const store = await openExistingStore(g, false);
  try {
    return { state: (await readLedger(store)).state, store };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/**
 * Severity words in the audit's text, painted by severity (a no-op without colour).
 *
 * @example paintAudit("  [high] goodhart/DIVERGENCE: ...", out.style)
 */
export function paintAudit(text: string, style: Style): string {
  if (!style.enabled) return text;
  return text
    .replace(/\[(critical|high|medium|low|info)\]/g, (m, level: string) => style.severity(level, m))
    .replace(/DOES NOT VERIFY/g, (m) => style.bad(m));
}

export function registerControl(program: Command, globals: () => GlobalOptions): void {
  program
    .command("halt <optimizer>")
    .description("Halt an optimizer; its descendants cannot outlive it. Resuming needs approval.")
    .option(
      "--key <key>",
      `who halts (an overseer or the creator): ${KEY_SOURCE_HELP} (default: $OPTPROV_OVERSEER_KEY or keys.overseer in optprov.yml)`,
    )
    .option("--descendants", "record the halt on every descendant too")
    .option("--reason <text>", "why (recorded in the ledger)")
    .action(async (name: string, opts: { key?: string; descendants?: boolean; reason?: string }) => {
      const g = globals();
      const out = makeOutput(g.json === true);
      const key = signingKey(g, opts.key, "overseer", "--key");
      const done = await withExistingLedger(g, (ledger) =>
        ledger.halt(name, key, {
          descendants: opts.descendants === true,
          ...(opts.reason ? { reason: opts.reason } : {}),
        }),
      );
      out.result(
        { index: done.index, optimizer: name, by: key.name },
        () => `${key.name} halted ${name} (entry #${done.index}); running loops stop at their next step`,
      );
    });
  program
    .command("resume <optimizer>")
    .description("Ask to resume a halted optimizer; it runs again once overseers approve")
    .option(
      "--key <key>",
      `who asks: ${KEY_SOURCE_HELP} (default: $OPTPROV_ACTOR_KEY or keys.actor in optprov.yml)`,
    )
    .option("--reason <text>", "why")
    .action(async (name: string, opts: { key?: string; reason?: string }) => {
      const g = globals();
      const out = makeOutput(g.json === true);
      const key = signingKey(g, opts.key, "actor", "--key");
      const done = await withExistingLedger(g, (ledger) => ledger.requestResume(name, key, opts.reason));
      out.result(
        { index: done.index, optimizer: name },
        () =>
          `resume of ${name} requested at #${done.index}; it is in the review queue (optprov review show ${done.index}); approve with: optprov review approve ${done.index} --key <overseer key>`,
      );
    });
  program
    .command("explain <optimizer>")
    .description(
      "Who created an optimizer, under which policy, approved by whom, what it did, and what is wrong",
    )
    .action(async (name: string) => {
      const g = globals();
      const { state, store } = await readState(g);
      try {
        const e = await explain(state, store, name);
        if (e === undefined)
          throw new PolicyError("OPTIMIZER_UNKNOWN", `no optimizer or actor named ${name} in this ledger`);
        makeOutput(g.json === true).result(e, () =>
          renderExplanation(e, (spec) => {
            const valid = validateOptimizerSpec(spec).spec;
            return valid ? renderSpec(explainSpec(valid)) : undefined;
          }),
        );
      } finally {
        await store.close();
      }
    });
  program
    .command("tree")
    .description("Draw the provenance tree: root actors and every optimizer they led to")
    .action(async () => {
      const g = globals();
      const { state, store } = await readState(g);
      await store.close();
      const roots = provenanceTree(state);
      makeOutput(g.json === true).result(
        { roots },
        () => renderTree(roots) || "the ledger has no actors yet",
      );
    });
  program
    .command("export")
    .description(
      "Export the provenance for other tools: W3C PROV-JSON, OpenLineage RunEvents, a Sigstore bundle of one entry, or a CycloneDX 1.6 ML-BOM of one optimizer (JSON)",
    )
    .option("--format <format>", "prov (prov-json), openlineage, sigstore or cyclonedx", "prov-json")
    .option(
      "--optimizer <name>",
      "openlineage: only this optimizer's events; cyclonedx: the optimizer the BOM is of",
    )
    .option("--entry <index>", "sigstore: the entry to bundle, with its inclusion proof")
    .option("--out <file>", "write to a file instead of stdout")
    .addHelpText(
      "after",
      [
        "",
        "Every format but prov is made only from a ledger that verifies; on one that does not, the",
        "export is refused with the verifier's code. A Sigstore bundle needs a checkpoint covering the",
        "entry: one is signed when the log key is at hand (see optprov checkpoint). docs/interop.md",
        "says what each format carries and how to check a bundle.",
        "",
        "Examples:",
        "  optprov export --format openlineage --out events.json",
        "  optprov export --format sigstore --entry 3 --out entry-3.sigstore.json",
        "  optprov export --format cyclonedx --optimizer planner --out planner.cdx.json",
      ].join("\n"),
    )
    .action(async (opts: { format: string; optimizer?: string; entry?: string; out?: string }) => {
      const g = globals();
      const request: ExportRequest = {
        format: exportFormat(opts.format),
        toolVersion: packageVersion(),
        ...(opts.optimizer !== undefined ? { optimizer: opts.optimizer } : {}),
        ...(opts.entry !== undefined ? { entry: parseIndex(opts.entry, "--entry") } : {}),
      };
      // Checked before the ledger is read, so a bad --out fails fast and writes nothing.
      if (opts.out !== undefined) checkOutputFile(opts.out, { what: "--out" });
      const store = await openExistingStore(g, false);
      let value: unknown;
      try {
        try {
          value = await exportLedger(store, request);
        } catch (err) {
          // A bundle needs a checkpoint over its entry; sign one if the log key is here (as proof inclusion does).
          if (
            !(err instanceof VerificationError && err.code === "CHECKPOINT_MISSING") ||
            logKeyAtHand(g) === undefined
          )
            throw err;
          await withLog(openExistingLog(g, { write: true, logKey: "required" }), (log) => log.checkpoint());
          value = await exportLedger(store, request);
        }
      } finally {
        await store.close();
      }
      const text = `${JSON.stringify(value, null, 2)}\n`;
      if (opts.out === undefined) process.stdout.write(text);
      else {
        writeOutputFile(opts.out, text, { what: "--out" });
        makeOutput(g.json === true).result(
          { file: opts.out, format: request.format },
          () => `wrote ${opts.out}`,
        );
      }
    });
  program
    .command("audit")
    .description(
      "Run every detector over the ledger: findings per optimizer with their provenance chain, most severe first; exits 1 on critical or high findings",
    )
    .action(async () => {
      const g = globals();
      const out = makeOutput(g.json === true);
      const store = await openExistingStore(g, false);
      try {
        const report = await audit(store);
        out.result(report, () => paintAudit(renderAudit(report), out.style));
        if (report.findings.some((f) => f.severity === "critical" || f.severity === "high"))
          process.exitCode = 1;
      } finally {
        await store.close();
      }
    });
}
