import fs from "node:fs";
import type { Command } from "commander";
import type { ControlState, RequestRecord } from "../../control/state.js";
import { PolicyError, UsageError } from "../../errors.js";
import { explain, renderExplanation } from "../../explain/explain.js";
import { toProvJson } from "../../explain/prov-json.js";
import { provenanceTree, renderTree } from "../../explain/tree.js";
import { explainSpec, renderExplanation as renderSpec, validateOptimizerSpec } from "../../model/index.js";
import { audit, renderAudit } from "../../oversight/audit.js";
import { readLedger } from "../../oversight/read-ledger.js";
import { openLedger } from "../../sdk/ledger.js";
import { readSignerKey } from "../../sdk/location.js";
import { SqliteStore } from "../../store/sqlite/sqlite-store.js";
import { existingLedgerPath, type GlobalOptions, KEY_SOURCE_HELP } from "../context.js";
import { makeOutput } from "../output.js";
import { parseIndex } from "./args.js";

async function readState(g: GlobalOptions): Promise<{ state: ControlState; store: SqliteStore }> {
  const store = SqliteStore.open(existingLedgerPath(g), { readonly: true });
  try {
    return { state: (await readLedger(store)).state, store };
  } catch (err) {
    await store.close();
    throw err;
  }
}

async function withLedger<T>(
  g: GlobalOptions,
  fn: (l: Awaited<ReturnType<typeof openLedger>>) => Promise<T>,
): Promise<T> {
  const ledger = await openLedger({ path: existingLedgerPath(g), ...(g.logKey ? { logKey: g.logKey } : {}) });
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}

function describeRequest(state: ControlState, r: RequestRecord) {
  return {
    index: r.index,
    status: state.requestStatus(r),
    creator: r.creator,
    optimizer: r.optimizer.name,
    process: r.optimizer.process,
    time: r.time,
    gate: r.gate,
    approvals: r.approvals,
  };
}

export function registerControl(program: Command, globals: () => GlobalOptions): void {
  const review = program
    .command("review")
    .description("The overseers' queue of pending creations (and resumes and policies)");
  review
    .command("list")
    .description("Requests awaiting approval (--all for every request)")
    .option("--all", "include decided requests")
    .action(async (opts: { all?: boolean }) => {
      const g = globals();
      const { state, store } = await readState(g);
      await store.close();
      const rows = [...state.requests.values()]
        .map((r) => describeRequest(state, r))
        .filter((r) => opts.all || r.status === "pending");
      makeOutput(g.json === true).result({ requests: rows }, () =>
        rows.length === 0
          ? "no pending requests"
          : rows
              .map(
                (r) =>
                  `#${r.index}  ${r.status.padEnd(9)}  ${r.creator} wants ${r.optimizer} (${r.process})  ${r.approvals.filter((a) => a.decision === "approve").length}/${r.gate.approvals ?? 1} approvals`,
              )
              .join("\n"),
      );
    });
  review
    .command("show <index>")
    .description("One request: what is asked, the gate's reasons, the approvals so far")
    .action(async (index: string) => {
      const g = globals();
      const { state, store } = await readState(g);
      await store.close();
      const r = state.requests.get(parseIndex(index, "INDEX"));
      if (r === undefined)
        throw new PolicyError("REQUEST_UNKNOWN", `entry #${index} is not a creation request`);
      const d = describeRequest(state, r);
      makeOutput(g.json === true).result(d, () =>
        [
          `request #${d.index} (${d.status}): ${d.creator} asks to create ${d.optimizer}, a ${d.process} optimizer`,
          `gate (${d.gate.mode}): ${d.gate.outcome}`,
          ...d.gate.reasons.map((x) => `  - ${x.code}: ${x.message}`),
          ...d.approvals.map(
            (a) => `  ${a.decision} by ${a.by} at #${a.index}${a.reason ? `: ${a.reason}` : ""}`,
          ),
        ].join("\n"),
      );
    });
  for (const decision of ["approve", "reject"] as const) {
    review
      .command(`${decision} <index>`)
      .description(
        `${decision === "approve" ? "Approve" : "Reject"} a pending request, resume or policy, signing as an overseer`,
      )
      .requiredOption("--key <key>", `the overseer's key: ${KEY_SOURCE_HELP}`)
      .option("--reason <text>", "why (recorded in the ledger)")
      .action(async (index: string, opts: { key: string; reason?: string }) => {
        const g = globals();
        const key = readSignerKey(opts.key, "--key");
        const target = parseIndex(index, "INDEX");
        await withLedger(g, async (ledger) => {
          const done = await ledger.review(target, key, decision, opts.reason);
          const r = ledger.state.requests.get(target);
          const status = r ? ledger.state.requestStatus(r) : undefined;
          makeOutput(g.json === true).result(
            { index: done.index, target, decision, by: key.name, status },
            () =>
              `${key.name} ${decision === "approve" ? "approved" : "rejected"} #${target} (entry #${done.index})${status ? `; the request is now ${status}` : ""}`,
          );
        });
      });
  }

  program
    .command("halt <optimizer>")
    .description("Halt an optimizer; its descendants cannot outlive it. Resuming needs approval.")
    .requiredOption("--key <key>", `who halts (an overseer or the creator): ${KEY_SOURCE_HELP}`)
    .option("--descendants", "record the halt on every descendant too")
    .option("--reason <text>", "why (recorded in the ledger)")
    .action(async (name: string, opts: { key: string; descendants?: boolean; reason?: string }) => {
      const g = globals();
      const key = readSignerKey(opts.key, "--key");
      await withLedger(g, async (ledger) => {
        const done = await ledger.halt(name, key, {
          descendants: opts.descendants === true,
          ...(opts.reason ? { reason: opts.reason } : {}),
        });
        makeOutput(g.json === true).result(
          { index: done.index, optimizer: name, by: key.name },
          () => `${key.name} halted ${name} (entry #${done.index}); running loops stop at their next step`,
        );
      });
    });
  program
    .command("resume <optimizer>")
    .description("Ask to resume a halted optimizer; it runs again once overseers approve")
    .requiredOption("--key <key>", `who asks: ${KEY_SOURCE_HELP}`)
    .option("--reason <text>", "why")
    .action(async (name: string, opts: { key: string; reason?: string }) => {
      const g = globals();
      const key = readSignerKey(opts.key, "--key");
      await withLedger(g, async (ledger) => {
        const done = await ledger.requestResume(name, key, opts.reason);
        makeOutput(g.json === true).result(
          { index: done.index, optimizer: name },
          () =>
            `resume of ${name} requested at #${done.index}; approve with: optprov review approve ${done.index} --key <overseer key>`,
        );
      });
    });
  program
    .command("policy <file>")
    .description("Sign a gate policy (YAML) into the ledger with its owner's key")
    .requiredOption("--key <key>", `the policy owner's key: ${KEY_SOURCE_HELP}`)
    .action(async (file: string, opts: { key: string }) => {
      const g = globals();
      if (!fs.existsSync(file)) throw new UsageError("FILE_NOT_FOUND", `no policy file at ${file}`);
      const key = readSignerKey(opts.key, "--key");
      await withLedger(g, async (ledger) => {
        await ledger.root({ name: key.name, key });
        const done = await ledger.setPolicy(fs.readFileSync(file, "utf8"), key);
        makeOutput(g.json === true).result(done, () =>
          done.active
            ? `policy in force from entry #${done.index}`
            : `policy recorded at #${done.index}; it takes effect once overseers approve it (optprov review approve ${done.index})`,
        );
      });
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
    .description("Export the provenance for other tools (W3C PROV-JSON)")
    .requiredOption("--format <format>", "prov-json")
    .option("--out <file>", "write to a file instead of stdout")
    .action(async (opts: { format: string; out?: string }) => {
      const g = globals();
      if (opts.format !== "prov-json")
        throw new UsageError("USAGE", `--format: expected prov-json, got ${JSON.stringify(opts.format)}`);
      const { state, store } = await readState(g);
      try {
        const text = `${JSON.stringify(await toProvJson(state, store), null, 2)}\n`;
        if (opts.out === undefined) process.stdout.write(text);
        else {
          fs.writeFileSync(opts.out, text);
          makeOutput(g.json === true).result(
            { file: opts.out, format: "prov-json" },
            () => `wrote ${opts.out}`,
          );
        }
      } finally {
        await store.close();
      }
    });
  program
    .command("audit")
    .description(
      "Run every detector over the ledger: findings per optimizer with their provenance chain, most severe first; exits 1 on critical or high findings",
    )
    .action(async () => {
      const g = globals();
      const store = SqliteStore.open(existingLedgerPath(g), { readonly: true });
      try {
        const report = await audit(store);
        makeOutput(g.json === true).result(report, () => renderAudit(report));
        if (report.findings.some((f) => f.severity === "critical" || f.severity === "high"))
          process.exitCode = 1;
      } finally {
        await store.close();
      }
    });
}
