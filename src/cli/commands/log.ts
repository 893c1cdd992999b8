import type { Command } from "commander";
import { UsageError } from "../../errors.js";
import { toHex } from "../../ledger/base64.js";
import { openEntry } from "../../ledger/entry.js";
import { formatVerifierKey } from "../../ledger/keys.js";
import type { Log } from "../../ledger/log.js";
import { readSignerKey } from "../../sdk/location.js";
import type { StoredEntry } from "../../store/store.js";
import { type GlobalOptions, KEY_SOURCE_HELP, openLogForRead, openLogForWrite, withLog } from "../context.js";
import { makeOutput } from "../output.js";
import { parseIndex } from "./args.js";

function describeEntry(e: StoredEntry) {
  const opened = openEntry(e.envelope);
  const { kind, predicate } = opened.statement;
  return {
    index: e.index,
    kind,
    actor: predicate.actor,
    signer: formatVerifierKey(opened.signer),
    leafHash: toHex(e.leafHash),
    predicate,
  };
}

function humanEntry(d: ReturnType<typeof describeEntry>): string {
  const { actor, time, parent, ...rest } = d.predicate as Record<string, unknown>;
  const head = `#${d.index}  ${d.kind}  by ${String(actor)}  ${String(time)}${parent !== undefined ? `  parent #${String(parent)}` : ""}`;
  const body = Object.entries(rest).map(
    ([k, v]) => `    ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`,
  );
  return [head, ...body].join("\n");
}

async function ensureActor(log: Log, key: ReturnType<typeof readSignerKey>): Promise<number | undefined> {
  if ((await log.store.actor(key.name)) !== undefined) return undefined;
  // A key the log has never seen introduces itself as a root actor (a person or organisation).
  const done = await log.appendEntry(
    "actor",
    { actor: key.name, time: new Date().toISOString(), role: "person", key: formatVerifierKey(key) },
    key,
  );
  return done.index;
}

export function registerLog(program: Command, globals: () => GlobalOptions): void {
  const log = program.command("log").description("Append to and read the ledger's entries");
  log
    .command("append")
    .description(
      "Append a signed entry (kind note); a key new to the log is first registered as a root actor",
    )
    .requiredOption(
      "--kind <kind>",
      "entry kind; the CLI appends `note` entries (other kinds come from the SDK and the review commands)",
    )
    .requiredOption("--actor <key>", `who signs the entry: ${KEY_SOURCE_HELP}`)
    .requiredOption("--text <text>", "the note's text (at most 64 KiB)")
    .option("--parent <index>", "an earlier entry this note refers to")
    .action(async (opts: { kind: string; actor: string; text: string; parent?: string }) => {
      const g = globals();
      const out = makeOutput(g.json === true);
      if (opts.kind !== "note")
        throw new UsageError("USAGE", `--kind: expected note, got ${JSON.stringify(opts.kind)}`);
      const key = readSignerKey(opts.actor, "--actor");
      const parent = opts.parent === undefined ? undefined : parseIndex(opts.parent, "--parent");
      await withLog(openLogForWrite(g), async (l) => {
        const registered = await ensureActor(l, key);
        const done = await l.appendEntry(
          "note",
          {
            actor: key.name,
            time: new Date().toISOString(),
            text: opts.text,
            ...(parent !== undefined ? { parent } : {}),
          },
          key,
        );
        out.result(
          { index: done.index, leafHash: toHex(done.leafHash), size: l.size, registeredActorAt: registered },
          () =>
            [
              ...(registered !== undefined ? [`registered actor ${key.name} at entry #${registered}`] : []),
              `appended note #${done.index} by ${key.name}; the log now holds ${l.size} entries`,
            ].join("\n"),
        );
      });
    });
  log
    .command("show [index]")
    .description("Show one entry, or a range of entries (the last 20 by default)")
    .option("--from <index>", "first entry to list")
    .option("--limit <n>", "how many entries to list", "20")
    .action(async (index: string | undefined, opts: { from?: string; limit: string }) => {
      const g = globals();
      const out = makeOutput(g.json === true);
      await withLog(openLogForRead(g), async (l) => {
        if (index !== undefined) {
          const i = parseIndex(index, "INDEX");
          const e = await l.store.entry(i);
          if (e === undefined)
            throw new UsageError("USAGE", `INDEX: expected < ${l.size} (the log's size), got ${i}`);
          const d = describeEntry(e);
          out.result(d, () => humanEntry(d));
          return;
        }
        const limit = parseIndex(opts.limit, "--limit");
        const from = opts.from !== undefined ? parseIndex(opts.from, "--from") : Math.max(0, l.size - limit);
        const rows: ReturnType<typeof describeEntry>[] = [];
        for await (const chunk of l.store.entries(from, Math.min(l.size, from + limit)))
          rows.push(...chunk.map(describeEntry));
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
