/**
 * Tiles and entry bundles (c2sp.org/tlog-tiles) read from the log's store. A tile at level L holds
 * the hashes of perfect subtrees of height 8L, which the store keeps as the log completes them
 * (level 0 answers from the entries' leaf hashes), so a tile costs one `nodes` query and no hashing.
 */
import { ServerError, StoreError } from "../errors.js";
import { HASH_SIZE } from "../ledger/crypto.js";
import type { NodeId } from "../ledger/merkle.js";
import type { LedgerStore } from "../ledger/store.js";
import { formatTilePath, TILE_HEIGHT, TILE_WIDTH, type TileRef } from "./tile-path.js";

/** An entry bundle's length prefix is a big-endian uint16 (c2sp.org/tlog-tiles §Log entries). */
const MAX_BUNDLED_ENTRY = 0xffff;

/** How many hashes a tree of `size` leaves has at tile level `level`: floor(size / 256^level). */
function hashesAt(size: number, level: number): number {
  return Math.floor(size / TILE_WIDTH ** level);
}

function checkInTree(ref: TileRef, size: number): void {
  const have = hashesAt(size, ref.level === "entries" ? 0 : ref.level);
  // Empty tiles are never served; a partial tile is served at any width the tree has reached, as
  // each width is the tile of some earlier tree size and never changes.
  if (ref.index * TILE_WIDTH + ref.width > have)
    throw new ServerError(
      "NOT_FOUND",
      `${formatTilePath(ref)}: the tree of size ${size} has ${have} hashes at this level, not ${ref.index * TILE_WIDTH + ref.width}`,
    );
}

/**
 * A Merkle tree tile: its hashes concatenated (32 bytes each).
 *
 * @example const bytes = await readTile(store, log.size, parseTilePath("tile/0/000.p/7"));
 */
export async function readTile(store: LedgerStore, size: number, ref: TileRef): Promise<Uint8Array> {
  if (ref.level === "entries") return readEntryBundle(store, size, ref);
  checkInTree(ref, size);
  const level = ref.level * TILE_HEIGHT;
  const ids: NodeId[] = Array.from({ length: ref.width }, (_, i) => ({
    level,
    index: ref.index * TILE_WIDTH + i,
  }));
  const hashes = await store.nodes(ids);
  const out = new Uint8Array(ref.width * HASH_SIZE);
  for (const [i, h] of hashes.entries()) {
    if (h === undefined)
      throw new StoreError("STORE_CORRUPT", `node ${level}/${ids[i]!.index} of a tile is missing`);
    out.set(h, i * HASH_SIZE);
  }
  return out;
}

/**
 * An entry bundle: each envelope as a big-endian uint16 length and its bytes.
 *
 * @example const bundle = await readEntryBundle(store, log.size, parseTilePath("tile/entries/000.p/7"));
 */
export async function readEntryBundle(store: LedgerStore, size: number, ref: TileRef): Promise<Uint8Array> {
  checkInTree(ref, size);
  const start = ref.index * TILE_WIDTH;
  const parts: Uint8Array[] = [];
  let next = start;
  for await (const chunk of store.entries(start, start + ref.width)) {
    for (const e of chunk) {
      if (e.index !== next) throw new StoreError("STORE_CORRUPT", `entry ${next} is missing`);
      if (e.envelope.length > MAX_BUNDLED_ENTRY)
        throw new ServerError(
          "ENTRY_TOO_LARGE_FOR_BUNDLE",
          `entry ${e.index}: expected at most ${MAX_BUNDLED_ENTRY} bytes for an entry bundle, got ${e.envelope.length}; read it at /v1/entries/${e.index}`,
        );
      const len = new Uint8Array(2);
      new DataView(len.buffer).setUint16(0, e.envelope.length);
      parts.push(len, e.envelope);
      next++;
    }
  }
  if (next !== start + ref.width) throw new StoreError("STORE_CORRUPT", `entry ${next} is missing`);
  return Buffer.concat(parts);
}
