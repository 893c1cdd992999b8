import fs from "node:fs";
import type { Command } from "commander";
import { formatVerifierKey } from "../../ledger/keys.js";
import { cosignLatest, type WitnessState } from "../../oversight/witness.js";
import { readSignerKey } from "../../sdk/location.js";
import { type GlobalOptions, KEY_SOURCE_HELP, openLogForRead, withLog } from "../context.js";
import { makeOutput } from "../output.js";

function readState(file: string): WitnessState | undefined {
  if (!fs.existsSync(file)) return undefined;
  const v = JSON.parse(fs.readFileSync(file, "utf8")) as WitnessState;
  if (typeof v.origin !== "string" || !Number.isSafeInteger(v.size) || typeof v.root !== "string") {
    throw new Error(`witness state ${file}: expected {origin, size, root}`);
  }
  return v;
}

export function registerWitness(program: Command, globals: () => GlobalOptions): void {
  const w = program.command("witness").description("Act as a witness of the log");
  w.command("cosign")
    .description(
      "Cosign the latest checkpoint after checking it is consistent with the last one this witness cosigned",
    )
    .requiredOption("--key <key>", `the witness's cosigner key (keygen --witness): ${KEY_SOURCE_HELP}`)
    .option(
      "--state <file>",
      "where the witness remembers the last checkpoint it cosigned (default: <key file>.state.json)",
    )
    .action(async (opts: { key: string; state?: string }) => {
      const g = globals();
      const key = readSignerKey(opts.key, "--key");
      const stateFile =
        opts.state ??
        `${opts.key.startsWith("env:") ? key.name.replace(/[^A-Za-z0-9._-]/g, "_") : opts.key}.state.json`;
      await withLog(openLogForRead(g, true), async (log) => {
        const done = await cosignLatest(log, key, readState(stateFile));
        fs.writeFileSync(stateFile, `${JSON.stringify(done.state, null, 2)}\n`);
        makeOutput(g.json === true).result({ witness: formatVerifierKey(key), ...done }, () =>
          [
            done.checkedFrom !== undefined
              ? `checked consistency from size ${done.checkedFrom} to ${done.size}`
              : `first cosignature by ${key.name} for this log`,
            `cosigned checkpoint of size ${done.size}:`,
            done.line.trimEnd(),
          ].join("\n"),
        );
      });
    });
}
