/** `optprov witness cosign`: act as a witness of the log. */
import fs from "node:fs";
import type { Command } from "commander";
import { FormatError } from "../../errors.js";
import { formatVerifierKey } from "../../ledger/keys.js";
import { cosignLatest, type WitnessState } from "../../oversight/witness.js";
import { readInputText, shownPath } from "../../sdk/input-file.js";
import { checkOutputFile, writeOutputFile } from "../../sdk/output-file.js";
import {
  type GlobalOptions,
  KEY_SOURCE_HELP,
  openExistingLog,
  settings,
  signingKey,
  withLog,
} from "../context.js";
import { makeOutput } from "../output.js";

/** A witness's memory is three short fields; anything larger is not one. */
const MAX_STATE_BYTES = 64 * 1024;

function readState(file: string): WitnessState | undefined {
  try {
    fs.lstatSync(file);
  } catch {
    return undefined; // the witness's first cosignature
  }
  const text = readInputText(file, { what: "witness state", maxBytes: MAX_STATE_BYTES });
  let v: Partial<WitnessState>;
  try {
    v = JSON.parse(text) as Partial<WitnessState>;
  } catch {
    // JSON.parse's message quotes the text; the file may not be what it claims to be.
    throw new FormatError(
      "JSON_INVALID",
      `witness state ${shownPath(file)}: expected JSON {origin, size, root}`,
    );
  }
  if (
    typeof v !== "object" ||
    v === null ||
    typeof v.origin !== "string" ||
    !Number.isSafeInteger(v.size) ||
    typeof v.root !== "string"
  )
    throw new FormatError("JSON_INVALID", `witness state ${shownPath(file)}: expected {origin, size, root}`);
  return v as WitnessState;
}

export function registerWitness(program: Command, globals: () => GlobalOptions): void {
  const w = program.command("witness").description("Act as a witness of the log");
  w.command("cosign")
    .description(
      "Cosign the latest checkpoint after checking it is consistent with the last one this witness cosigned",
    )
    .option(
      "--key <key>",
      `the witness's cosigner key (keygen --witness): ${KEY_SOURCE_HELP} (default: $OPTPROV_WITNESS_KEY or keys.witness in optprov.yml)`,
    )
    .option(
      "--state <file>",
      "where the witness remembers the last checkpoint it cosigned (default: <key file>.state.json)",
    )
    .action(async (opts: { key?: string; state?: string }) => {
      const g = globals();
      const out = makeOutput(g.json === true);
      const key = signingKey(g, opts.key, "witness", "--key");
      const source = opts.key ?? settings(g).keys.witness?.value ?? "";
      const stateFile =
        opts.state ??
        `${source.startsWith("env:") ? key.name.replace(/[^A-Za-z0-9._-]/g, "_") : source}.state.json`;
      // Checked before cosigning, so a state that cannot be saved does not leave a cosignature behind.
      checkOutputFile(stateFile, { what: "--state" });
      const previous = readState(stateFile);
      const done = await withLog(openExistingLog(g, { write: true, logKey: "none" }), (log) =>
        cosignLatest(log, key, previous),
      );
      writeOutputFile(stateFile, `${JSON.stringify(done.state, null, 2)}\n`, { what: "--state" });
      out.result({ witness: formatVerifierKey(key), ...done }, () =>
        [
          done.checkedFrom !== undefined
            ? `checked consistency from size ${done.checkedFrom} to ${done.size}`
            : `first cosignature by ${key.name} for this log`,
          `cosigned checkpoint of size ${done.size}:`,
          done.line.trimEnd(),
        ].join("\n"),
      );
    });
}
