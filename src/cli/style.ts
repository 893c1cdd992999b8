/**
 * Colour for people on a terminal, and none anywhere else.
 *
 * Decided once per stream: colour when the stream is a terminal, unless `NO_COLOR` is set to
 * anything but the empty string (no-color.org) or `TERM=dumb`; `FORCE_COLOR` (anything but `0` or
 * `false`) turns it on without a terminal, for `less -R` and CI logs, and wins over `NO_COLOR` as
 * in Node and most tools, because it is the more specific request. JSON output is never coloured.
 *
 * The codes are written here rather than through `util.styleText`, whose own terminal check
 * differs between Node 20 (none) and Node 22 (on by default), so output would depend on the Node
 * version; five SGR codes are not worth a dependency either.
 */

export interface ColourInput {
  readonly isTTY?: boolean | undefined;
}

/**
 * Whether output to `stream` should carry colour.
 *
 * @example shouldColour({ isTTY: true }, { NO_COLOR: "1" }) === false
 */
export function shouldColour(
  stream: ColourInput,
  env: Readonly<Record<string, string | undefined>>,
  json = false,
): boolean {
  if (json) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force.toLowerCase() !== "false";
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  return stream.isTTY === true;
}

/** Words painted by meaning, not by colour name, so every command marks the same things alike. */
export interface Style {
  readonly enabled: boolean;
  /** Success: OK, approved, in force. */
  good(text: string): string;
  /** Failure: FAILED, errors, rejected, critical and high findings. */
  bad(text: string): string;
  /** Needs attention: pending, medium findings, warnings. */
  warn(text: string): string;
  /** Less important: low and info findings, hints. */
  dim(text: string): string;
  /** A finding's severity word, painted by how severe it is. */
  severity(level: string, text?: string): string;
}

const sgr = (open: number, close: number) => (text: string) => `\x1b[${open}m${text}\x1b[${close}m`;
const plain = (text: string) => text;

/**
 * A style for one stream.
 *
 * @example makeStyle(true).good("OK") === "\x1b[32mOK\x1b[39m"
 */
export function makeStyle(enabled: boolean): Style {
  const good = enabled ? sgr(32, 39) : plain;
  const bad = enabled ? sgr(31, 39) : plain;
  const warn = enabled ? sgr(33, 39) : plain;
  const dim = enabled ? sgr(2, 22) : plain;
  const boldBad = enabled ? (t: string) => `\x1b[1;31m${t}\x1b[22;39m` : plain;
  return {
    enabled,
    good,
    bad,
    warn,
    dim,
    severity(level, text = level) {
      switch (level) {
        case "critical":
          return boldBad(text);
        case "high":
          return bad(text);
        case "medium":
          return warn(text);
        default:
          return dim(text);
      }
    },
  };
}

/** The style for results on stdout. */
export function stdoutStyle(json: boolean): Style {
  return makeStyle(shouldColour(process.stdout, process.env, json));
}

/** The style for errors and notes on stderr. */
export function stderrStyle(json: boolean): Style {
  return makeStyle(shouldColour(process.stderr, process.env, json));
}
