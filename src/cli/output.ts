/** How the CLI talks: tables and sentences for people, one JSON document for scripts. */
import { type Style, stdoutStyle } from "./style.js";

/**
 * Make text safe for a terminal: control characters other than newline and tab are shown as
 * `\xNN`, except colour codes (SGR, `ESC [ digits m`), which is all this CLI emits. Ledger entries,
 * file names and arguments are hostile input, and a note holding `ESC ] 0 ;` or `ESC [ 2 J` would
 * otherwise retitle or clear the terminal of whoever runs `optprov log show`.
 *
 * @example terminalSafe("a\x1b]0;pwned\x07b") === "a\\x1b]0;pwned\\x07b"
 */
export function terminalSafe(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) =>
    c.length > 1 ? c : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

export interface Output {
  readonly json: boolean;
  /** Colour for the human text on stdout (plain when not a terminal, with NO_COLOR, and in JSON mode). */
  readonly style: Style;
  /** Print a result: `value` as JSON, or `human()` as text. */
  result(value: unknown, human: () => string): void;
  /** A progress line on a terminal (stderr); silent otherwise and in JSON mode. */
  progress(label: string, done: number, total: number): void;
  done(): void;
}

export function makeOutput(json: boolean): Output {
  const tty = process.stderr.isTTY === true && !json;
  const started = Date.now();
  let shown = false;
  return {
    json,
    style: stdoutStyle(json),
    result(value, human) {
      process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${terminalSafe(human())}\n`);
    },
    progress(label, done, total) {
      if (!tty) return;
      const secs = (Date.now() - started) / 1000;
      const rate = secs > 0 ? Math.round(done / secs) : 0;
      const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
      process.stderr.write(
        `\r${label} ${done.toLocaleString("en")}/${total.toLocaleString("en")} (${pct}%) ${rate.toLocaleString("en")}/s `,
      );
      shown = true;
    },
    done() {
      if (shown) process.stderr.write("\n");
      shown = false;
    },
  };
}
