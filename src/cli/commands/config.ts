/** `optprov config`: every setting, its value (a database URL without its password), and where it came from. */

import type { Command } from "commander";
import type { Setting } from "../../sdk/config.js";
import { shownPath } from "../../sdk/input-file.js";
import { shownLocation } from "../../store/open-store.js";
import { type GlobalOptions, settings } from "../context.js";
import { makeOutput } from "../output.js";

export function registerConfig(program: Command, globals: () => GlobalOptions): void {
  program
    .command("config")
    .description(
      "Show every setting (ledger, log key, server, default keys), its value and where it came from: a flag, an OPTPROV_* variable, optprov.yml or the default",
    )
    .action(() => {
      const g = globals();
      const out = makeOutput(g.json === true);
      const s = settings(g);
      const rows: [string, Setting | undefined][] = [
        ["ledger", s.ledger],
        ["logKey", s.logKey],
        ["server", s.server],
        ["keys.actor", s.keys.actor],
        ["keys.overseer", s.keys.overseer],
        ["keys.witness", s.keys.witness],
      ];
      const width = Math.max(...rows.map(([name]) => name.length));
      out.result(
        {
          configFile: s.configFile,
          settings: Object.fromEntries(
            rows.map(([name, v]) => [
              name,
              v === undefined ? null : name === "ledger" ? { ...v, value: shownLocation(v.value) } : v,
            ]),
          ),
        },
        () =>
          [
            `config file: ${s.configFile ? shownPath(s.configFile) : "none (no optprov.yml here or above; optprov init writes one)"}`,
            ...rows.map(
              ([name, v]) =>
                `${name.padEnd(width)}  ${v ? `${shownPath(name === "ledger" ? shownLocation(v.value) : v.value)}  ${out.style.dim(`(${v.from})`)}` : out.style.dim("not set")}`,
            ),
          ].join("\n"),
      );
    });
}
