/**
 * Characters that must never reach a terminal from ledger content: C0 controls but newline and tab
 * (ESC starts escape sequences that can rewrite what a person sees, NUL truncates), DEL, C1 controls,
 * the Unicode line separators and the bidirectional overrides that reorder text ("Trojan Source").
 */
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;
const UNSAFE_OR_BREAK = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

function escapeChar(c: string): string {
  const code = c.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
}

/**
 * Text for a terminal: every unsafe character shown as an escape (`\x1b`), newlines and tabs kept.
 * Every human-readable output passes through this; `--json` output stays exact.
 *
 * @example printable("ok\x1b[2J") // "ok\\x1b[2J"
 */
export function printable(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/**
 * One field of ledger content on one line: newlines and tabs escaped too, so an entry's text can
 * never start a line of its own that reads like the tool's output ("OK: every hash ...").
 *
 * @example oneLine("a\nOK") // "a\\x0aOK"
 */
export function oneLine(text: string): string {
  return text.replace(UNSAFE_OR_BREAK, escapeChar);
}

/** How the CLI talks: tables and sentences for people, one JSON document for scripts. */
export interface Output {
  readonly json: boolean;
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
    result(value, human) {
      process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${printable(human())}\n`);
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
