/**
 * The set of leaf hashes a log holds, so an exact copy of an envelope already in the log is refused
 * (admission) or reported (verify) without a store lookup per entry.
 *
 * Memory is what bounds the verifier (under 300 MB at a million entries), so the set keeps the first
 * 12 bytes of each leaf hash and its index, 16 bytes an entry plus an open-addressing table of 4 bytes
 * a slot: about 24 MB per million entries. Twelve bytes: an accidental collision among 10^9 entries
 * has probability about 6e-12; forging one against a given honest entry is a 96-bit second-preimage
 * search; and the worst a collision does is refuse one entry as a duplicate, never admit one.
 */
const WORDS = 3;

export class LeafSet {
  /** Inserted entries in order: WORDS prefix words each. */
  private keys = new Uint32Array(WORDS * 1024);
  private indices = new Float64Array(1024);
  private count = 0;
  /** Open-addressing table of positions + 1 into `keys` (0 = empty), linear probing. */
  private table = new Uint32Array(2048);
  /** The entry count at the last rehash: slots of entries added since are where they were placed. */
  private rehashedAt = 0;

  get size(): number {
    return this.count;
  }

  private static words(hash: Uint8Array): [number, number, number] {
    const v = new DataView(hash.buffer, hash.byteOffset, 12);
    return [v.getUint32(0), v.getUint32(4), v.getUint32(8)];
  }

  private slotOf(w: readonly number[]): { slot: number; found: number } {
    const mask = this.table.length - 1;
    // The prefix is already uniformly distributed (it is a SHA-256 output): its first word is the hash.
    let slot = w[0]! & mask;
    for (;;) {
      const at = this.table[slot]!;
      if (at === 0) return { slot, found: -1 };
      const p = (at - 1) * WORDS;
      if (this.keys[p] === w[0] && this.keys[p + 1] === w[1] && this.keys[p + 2] === w[2])
        return { slot, found: at - 1 };
      slot = (slot + 1) & mask;
    }
  }

  /** The index an equal leaf hash was added under, if any. */
  find(hash: Uint8Array): number | undefined {
    const { found } = this.slotOf(LeafSet.words(hash));
    return found < 0 ? undefined : this.indices[found];
  }

  add(hash: Uint8Array, index: number): void {
    const w = LeafSet.words(hash);
    if (this.slotOf(w).found >= 0) return;
    if (this.count === this.indices.length) this.growEntries();
    this.keys.set(w, this.count * WORDS);
    this.indices[this.count] = index;
    this.count++;
    if (this.count * 2 > this.table.length) this.rehash(this.table.length * 2);
    else this.table[this.slotOf(w).slot] = this.count;
  }

  /** Forget every leaf added after the set held `size` leaves (a batch that was refused). */
  truncate(size: number): void {
    if (size >= this.count) return;
    if (this.rehashedAt > size) {
      this.count = size;
      this.rehash(this.table.length);
      return;
    }
    // Find every slot first, then clear them: clearing one before finding the next could cut the
    // next one's probe chain. Older entries' chains never cross these slots (they were empty when
    // the older entries were placed), so clearing them leaves every older lookup intact.
    const slots: number[] = [];
    for (let i = size; i < this.count; i++)
      slots.push(this.slotOf(Array.from(this.keys.subarray(i * WORDS, i * WORDS + WORDS))).slot);
    for (const s of slots) this.table[s] = 0;
    this.count = size;
  }

  private growEntries(): void {
    const keys = new Uint32Array(this.keys.length * 2);
    keys.set(this.keys);
    this.keys = keys;
    const indices = new Float64Array(this.indices.length * 2);
    indices.set(this.indices);
    this.indices = indices;
  }

  private rehash(capacity: number): void {
    this.rehashedAt = this.count;
    this.table = new Uint32Array(capacity);
    const mask = capacity - 1;
    for (let i = 0; i < this.count; i++) {
      let slot = this.keys[i * WORDS]! & mask;
      while (this.table[slot] !== 0) slot = (slot + 1) & mask;
      this.table[slot] = i + 1;
    }
  }
}
