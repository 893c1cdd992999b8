/** `optprov review list|show|approve|reject`: the overseers' queue of creations, changes and policies. */
import type { Command } from "commander";
import type { ControlState } from "../../control/state.js";
import { PolicyError } from "../../errors.js";
import { readLedger } from "../../oversight/read-ledger.js";
import { type QueueItem, queueItem, reviewQueue } from "../../oversight/review-queue.js";
import {
  type GlobalOptions,
  KEY_SOURCE_HELP,
  openExistingStore,
  signingKey,
  withExistingLedger,
} from "../context.js";
import { makeOutput } from "../output.js";
import type { Style } from "../style.js";
import { parseIndex } from "./args.js";

function paintStatus(style: Style, status: QueueItem["status"]): string {
  switch (status) {
    case "pending":
      return style.warn(status);
    case "approved":
    case "fulfilled":
    case "in force":
      return style.good(status);
    case "rejected":
    case "denied":
      return style.bad(status);
    default:
      return style.dim(status);
  }
}

function tally(i: QueueItem): string {
  const rejected = i.rejectedBy.length > 0 ? `; rejected by ${i.rejectedBy.join(", ")}` : "";
  return `${i.counted.length}/${i.needed} approvals${rejected}`;
}

function listLine(style: Style, i: QueueItem): string {
  // Padding is applied before painting so escape codes do not upset the columns.
  const status = paintStatus(style, i.status) + " ".repeat(Math.max(0, 10 - i.status.length));
  const counts = i.status === "pending" || i.approvals.length > 0 ? `  (${tally(i)})` : "";
  return `#${String(i.index).padEnd(5)} ${status} ${i.kind.padEnd(8)} ${i.asks}${counts}`;
}

function detail(style: Style, i: QueueItem): string {
  const lines = [`#${i.index} ${i.kind} (${paintStatus(style, i.status)}): ${i.asks}`];
  if (i.time) lines.push(`  asked at ${i.time}`);
  if (i.reason) lines.push(`  reason: ${i.reason}`);
  if (i.gate) {
    lines.push(`  gate (${i.gate.mode}): ${i.gate.outcome}`);
    lines.push(...i.gate.reasons.map((x) => `    - ${x.code}: ${x.message}`));
  }
  if (i.policy) lines.push(`  policy ${i.policy.name}, mode ${i.policy.mode}, digest ${i.policy.digest}`);
  lines.push(`  ${tally(i)}${i.counted.length > 0 ? ` (counted: ${i.counted.join(", ")})` : ""}`);
  for (const a of i.approvals)
    lines.push(`    ${a.decision} by ${a.by} at #${a.index}${a.reason ? `: ${a.reason}` : ""}`);
  if (i.status === "pending")
    lines.push(`  decide with: optprov review approve ${i.index} (or reject) --key <overseer key>`);
  return lines.join("\n");
}

async function withQueue<T>(g: GlobalOptions, fn: (state: ControlState) => T): Promise<T> {
  const store = await openExistingStore(g, false);
  try {
    return fn((await readLedger(store)).state);
  } finally {
    await store.close();
  }
}

export function registerReview(program: Command, globals: () => GlobalOptions): void {
  const review = program
    .command("review")
    .description(
      "The overseers' queue: creations, resumes, parameter changes and policies awaiting approval",
    );
  review
    .command("list")
    .description("What awaits approval (--all for everything ever asked, with its status)")
    .option("--all", "include decided items")
    .action(async (opts: { all?: boolean }) => {
      const g = globals();
      const out = makeOutput(g.json === true);
      const items = await withQueue(g, (state) => reviewQueue(state));
      const rows = items.filter((i) => opts.all || i.status === "pending");
      out.result({ requests: rows }, () =>
        rows.length === 0
          ? opts.all
            ? "nothing has been asked for approval in this ledger"
            : "nothing awaits approval"
          : rows.map((i) => listLine(out.style, i)).join("\n"),
      );
    });
  review
    .command("show <index>")
    .description("One item of the queue: what is asked, by whom, the gate's reasons, the approvals so far")
    .action(async (index: string) => {
      const g = globals();
      const out = makeOutput(g.json === true);
      const target = parseIndex(index, "INDEX");
      const item = await withQueue(g, (state) => queueItem(state, target));
      if (item === undefined)
        throw new PolicyError(
          "REQUEST_UNKNOWN",
          `entry #${target} is not a creation request, a change, a resume or a policy`,
        );
      out.result(item, () => detail(out.style, item));
    });
  for (const decision of ["approve", "reject"] as const) {
    review
      .command(`${decision} <index>`)
      .description(
        `${decision === "approve" ? "Approve" : "Reject"} a pending creation, change, resume or policy, signing as an overseer`,
      )
      .option(
        "--key <key>",
        `the overseer's key: ${KEY_SOURCE_HELP} (default: $OPTPROV_OVERSEER_KEY or keys.overseer in optprov.yml)`,
      )
      .option("--reason <text>", "why (recorded in the ledger)")
      .action(async (index: string, opts: { key?: string; reason?: string }) => {
        const g = globals();
        const out = makeOutput(g.json === true);
        const target = parseIndex(index, "INDEX");
        const key = signingKey(g, opts.key, "overseer", "--key");
        const { done, item } = await withExistingLedger(g, async (ledger) => {
          const done = await ledger.review(target, key, decision, opts.reason);
          return { done, item: queueItem(ledger.state, target) };
        });
        out.result(
          { index: done.index, target, decision, by: key.name, status: item?.status, kind: item?.kind },
          () =>
            `${key.name} ${decision === "approve" ? "approved" : "rejected"} #${target} (entry #${done.index})${item ? `; the ${item.kind} is now ${paintStatus(out.style, item.status)}` : ""}`,
        );
      });
  }
}
