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
      process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
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
