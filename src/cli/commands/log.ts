import type { Command } from "commander";
import { UsageError } from "../../errors.js";
import { toHex } from "../../ledger/base64.js";
import { openEntry, signEntry } from "../../ledger/entry.js";
import { formatVerifierKey } from "../../ledger/keys.js";
import type { StoredEntry } from "../../store/store.js";
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
        const { entry, registeredActorAt } = await appendAsActor(l, key, time, signEntry("note", note, key));
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
