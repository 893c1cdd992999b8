import type { Command } from "commander";
import type { ControlState } from "../../control/state.js";
import { UsageError } from "../../errors.js";
import { toHex } from "../../ledger/base64.js";
import type { Log } from "../../ledger/log.js";
import { type ReadEntry, readEntries } from "../../ledger/read-entries.js";
import { WorkerPool } from "../../ledger/worker-pool.js";
import {
  appendAsActor,
  type GlobalOptions,
  KEY_SOURCE_HELP,
  openExistingLog,
  reportCreated,
  signingKey,
  withLog,
  withLogToAppend,
} from "../context.js";
import { makeOutput, oneLine } from "../output.js";
import { parseIndex } from "./args.js";

/** An entry for display; one that does not parse is shown as such, with why, never thrown. */
function describeEntry({ stored: e, opened }: ReadEntry) {
  if (!opened.ok)
    return {
      index: e.index,
      kind: "malformed",
      leafHash: toHex(e.leafHash),
      error: { code: opened.code, message: opened.message },
    };
  const { kind, predicate } = opened.entry.statement!;
  return {
    index: e.index,
    kind,
    actor: predicate.actor,
    signer: opened.entry.signer,
    leafHash: toHex(e.leafHash),
    predicate: predicate as Record<string, unknown>,
  };
}

/** Entries `from` <= index < `to`, opened by the same reader every pass over the ledger uses. */
async function show(log: Log<ControlState>, from: number, to: number) {
  const rows: ReturnType<typeof describeEntry>[] = [];
  for await (const chunk of readEntries(log.store, {
    from,
    to,
    pool: WorkerPool.shared(),
    open: { verify: false, full: true },
  }))
    rows.push(...chunk.map(describeEntry));
  return rows;
}

/** Every field of ledger content on a line of its own, escaped: nothing in an entry can fake a line. */
function humanEntry(d: ReturnType<typeof describeEntry>): string {
  if (d.predicate === undefined)
    return `#${d.index}  MALFORMED  ${oneLine(d.error?.message ?? "")} [${d.error?.code ?? "ENTRY_MALFORMED"}]`;
  const { actor, time, parent, ...rest } = d.predicate;
  const head = `#${d.index}  ${d.kind}  by ${oneLine(String(actor))}  ${oneLine(String(time))}${parent !== undefined ? `  parent #${String(parent)}` : ""}`;
  const body = Object.entries(rest).map(
    ([k, v]) => `    ${oneLine(k)}: ${oneLine(typeof v === "string" ? v : JSON.stringify(v))}`,
  );
  return [head, ...body].join("\n");
}

export function registerLog(program: Command, globals: () => GlobalOptions): void {
  const log = program.command("log").description("Append to and read the ledger's entries");
  log
    .command("append")
    .description(
      "Append a signed entry (kind note), creating the ledger if there is none; a key new to the log is registered first as a root actor, in the same batch",
    )
    .requiredOption(
      "--kind <kind>",
      "entry kind; the CLI appends `note` entries (other kinds come from the SDK and the review commands)",
    )
    .option(
      "--actor <key>",
      `who signs the entry: ${KEY_SOURCE_HELP} (default: $OPTPROV_ACTOR_KEY or keys.actor in optprov.yml)`,
    )
    .requiredOption("--text <text>", "the note's text (at most 64 KiB)")
    .option("--parent <index>", "an earlier entry this note refers to")
    .action(async (opts: { kind: string; actor?: string; text: string; parent?: string }) => {
      const g = globals();
      const out = makeOutput(g.json === true);
      if (opts.kind !== "note")
        throw new UsageError("USAGE", `--kind: expected note, got ${JSON.stringify(opts.kind)}`);
      const parent = opts.parent === undefined ? undefined : parseIndex(opts.parent, "--parent");
      const key = signingKey(g, opts.actor, "actor", "--actor");
      const { value: done, created } = await withLogToAppend(g, async (l) => {
        const time = new Date().toISOString();
        const note = { actor: key.name, time, text: opts.text, ...(parent !== undefined ? { parent } : {}) };
        const { entry, registeredActorAt } = await appendAsActor(l, key, time, l.sign("note", note, key));
        return { index: entry.index, leafHash: toHex(entry.leafHash), size: l.size, registeredActorAt };
      });
      reportCreated(created);
      out.result(done, () =>
        [
          ...(done.registeredActorAt !== undefined
            ? [`registered actor ${key.name} at entry #${done.registeredActorAt}`]
            : []),
          `appended note #${done.index} by ${key.name}; the log now holds ${done.size} entries`,
        ].join("\n"),
      );
    });
  log
    .command("show [index]")
    .description("Show one entry, or a range of entries (the last 20 by default)")
    .option("--from <index>", "first entry to list")
    .option("--limit <n>", "how many entries to list", "20")
    .action(async (index: string | undefined, opts: { from?: string; limit: string }) => {
      const g = globals();
      const out = makeOutput(g.json === true);
      await withLog(openExistingLog(g, { write: false, logKey: "none" }), async (l) => {
        if (index !== undefined) {
          const i = parseIndex(index, "INDEX");
          const [d] = i < l.size ? await show(l, i, i + 1) : [];
          if (d === undefined)
            throw new UsageError("USAGE", `INDEX: expected < ${l.size} (the log's size), got ${i}`);
          out.result(d, () => humanEntry(d));
          return;
        }
        const limit = parseIndex(opts.limit, "--limit");
        const from = opts.from !== undefined ? parseIndex(opts.from, "--from") : Math.max(0, l.size - limit);
        const rows = await show(l, from, Math.min(l.size, from + limit));
        out.result({ size: l.size, entries: rows }, () =>
          rows.length === 0
            ? `the log is empty`
            : [
                `${l.size} entries; showing #${from}..#${from + rows.length - 1}`,
                ...rows.map(humanEntry),
              ].join("\n"),
        );
      });
    });
}
