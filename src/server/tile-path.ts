/**
 * C2SP tlog-tiles resource paths (c2sp.org/tlog-tiles §Merkle Tree, §Log entries):
 *
 *   tile/<L>/<N>[.p/<W>]        Merkle tree tiles, L in 0..63
 *   tile/entries/<N>[.p/<W>]    entry bundles
 *
 * `<N>` is written in zero-padded 3-digit elements, all but the last prefixed with `x`
 * (1234067 is `x001/x234/067`); `<W>`, a partial tile's width, is 1..255 without leading zeros.
 *
 * The path comes from the network, so it is parsed strictly: a path is accepted only if formatting
 * what was parsed gives back the very same text (as Go's `tlog.ParseTilePath` does), which refuses
 * leading zeros, empty or extra elements, `..`, encoded slashes and anything else in one rule.
 */
import { ServerError } from "../errors.js";
import { preview } from "../ledger/base64.js";

/** Tile height 8: a full tile holds 256 hashes (c2sp.org/tlog-tiles §Merkle Tree). */
export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 1 << TILE_HEIGHT;
export const MAX_TILE_LEVEL = 63;

export interface TileRef {
  /** The tile level, or "entries" for an entry bundle. */
  readonly level: number | "entries";
  readonly index: number;
  /** 256 for a full tile, 1..255 for a partial one. */
  readonly width: number;
}

/** The longest path worth reading: 63 as level, six index elements (beyond 2^53), `.p/255`. */
const MAX_PATH = 64;

/**
 * The path of a tile, without a leading slash.
 *
 * @example formatTilePath({ level: 0, index: 1234067, width: 5 }) === "tile/0/x001/x234/067.p/5"
 */
export function formatTilePath(t: TileRef): string {
  let n = t.index;
  const groups: string[] = [];
  do {
    groups.unshift(String(n % 1000).padStart(3, "0"));
    n = Math.floor(n / 1000);
  } while (n > 0);
  const index = groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join("/");
  return `tile/${t.level}/${index}${t.width === TILE_WIDTH ? "" : `.p/${t.width}`}`;
}

function invalid(path: string, why: string): never {
  throw new ServerError(
    "TILE_PATH_INVALID",
    `tile path: expected tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>] (${why}), got ${preview(path)}`,
  );
}

/**
 * Parse a tile or entry bundle path (without a leading slash); TILE_PATH_INVALID for anything but
 * the canonical form.
 *
 * @example parseTilePath("tile/entries/x001/067.p/3") // { level: "entries", index: 1067, width: 3 }
 */
export function parseTilePath(path: string): TileRef {
  if (path.length > MAX_PATH) invalid(path, `at most ${MAX_PATH} characters`);
  const parts = path.split("/");
  if (parts.length < 3 || parts[0] !== "tile") invalid(path, "at least three elements");
  const levelText = parts[1]!;
  let level: number | "entries";
  if (levelText === "entries") level = "entries";
  else {
    if (!/^(0|[1-9][0-9]?)$/.test(levelText)) invalid(path, "L a decimal without leading zeros");
    level = Number(levelText);
    if (level > MAX_TILE_LEVEL) invalid(path, `L at most ${MAX_TILE_LEVEL}`);
  }
  let rest = parts.slice(2);
  let width = TILE_WIDTH;
  const beforeLast = rest.at(-2);
  if (beforeLast?.endsWith(".p")) {
    const w = rest.at(-1)!;
    if (!/^[1-9][0-9]{0,2}$/.test(w) || Number(w) >= TILE_WIDTH) invalid(path, "W in 1..255");
    width = Number(w);
    rest = [...rest.slice(0, -2), beforeLast.slice(0, -2)];
  }
  let index = 0;
  for (const [i, g] of rest.entries()) {
    const m = i < rest.length - 1 ? /^x([0-9]{3})$/.exec(g) : /^([0-9]{3})$/.exec(g);
    if (m === null) invalid(path, "N in 3-digit elements, all but the last starting with x");
    index = index * 1000 + Number(m[1]);
  }
  if (!Number.isSafeInteger(index)) invalid(path, "N within 2^53");
  const ref: TileRef = { level, index, width };
  // One rule for every trick: only the canonical spelling of what was parsed is accepted.
  if (formatTilePath(ref) !== path) invalid(path, "the canonical form");
  return ref;
}
