/** How the CLI talks: tables and sentences for people, one JSON document for scripts. */
import { type Style, stdoutStyle } from "./style.js";

function escapeChar(c: string): string {
  const code = c.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
}

/**
 * Make text safe for a terminal: control characters other than newline and tab are shown as
 * `\xNN`, except colour codes (SGR, `ESC [ digits m`), which is all this CLI emits. Ledger entries,
 * file names and arguments are hostile input, and a note holding `ESC ] 0 ;` or `ESC [ 2 J` would
 * otherwise retitle or clear the terminal of whoever runs `optprov log show`. The Unicode line
 * separators and bidirectional overrides (which reorder what a reader sees, "Trojan Source") are
 * shown as `\u{...}` too.
 *
 * @example terminalSafe("a\x1b]0;pwned\x07b") === "a\\x1b]0;pwned\\x07b"
 */
export function terminalSafe(text: string): string {
  return text.replace(
    /\x1b\[[0-9;]*m|[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu,
    (c) => (c.length > 1 && c.startsWith("\x1b[") ? c : escapeChar(c)),
  );
}

/**
 * One field of ledger content on one line: newlines and tabs escaped too, and colour codes, so an
 * entry's text can never start a line of its own that reads like the tool's output ("OK: ...").
 *
 * @example oneLine("a\nOK") // "a\\x0aOK"
 */
export function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu, escapeChar);
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
