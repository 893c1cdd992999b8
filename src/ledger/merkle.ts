/**
 * RFC 6962 / RFC 9162 Merkle trees: hashing, proof shapes, and proof verification.
 *
 * Proofs are generated from *perfect subtrees* (aligned blocks of 2^level leaves) that a store keeps
 * as they complete, so a proof costs O(log n) reads and never a recomputation of the tree.
 */
import { VerificationError } from "../errors.js";
import { equalBytes, HASH_SIZE, sha256 } from "./crypto.js";

export type Hash = Uint8Array;

const LEAF_PREFIX = new Uint8Array([0]);
const NODE_PREFIX = new Uint8Array([1]);

/** RFC 6962 §2.1: MTH({d}) = SHA-256(0x00 || d). */
export function leafHash(data: Uint8Array): Hash {
  return sha256(LEAF_PREFIX, data);
}

/** RFC 6962 §2.1: SHA-256(0x01 || left || right). */
export function nodeHash(left: Hash, right: Hash): Hash {
  return sha256(NODE_PREFIX, left, right);
}

/** RFC 6962 §2.1: the hash of an empty tree is SHA-256 of the empty string. */
export const EMPTY_ROOT: Hash = sha256();

/** A perfect subtree: leaves [index * 2^level, (index + 1) * 2^level). Level 0 is a leaf. */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** A contiguous run of leaves [start, end), whose hash is MTH(D[start:end]). */
export interface LeafRange {
  readonly start: number;
  readonly end: number;
}

/** Largest power of two strictly less than n (n > 1), as in RFC 6962 §2.1. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The perfect subtrees, left to right, whose hashes fold into MTH(D[start:end]). */
export function perfectCover(range: LeafRange): NodeId[] {
  const out: NodeId[] = [];
  let { start } = range;
  const { end } = range;
  while (start < end) {
    // The largest aligned block that starts at `start` and fits in the range.
    let level = 0;
    while (start % 2 ** (level + 1) === 0 && start + 2 ** (level + 1) <= end) level++;
    out.push({ level, index: start / 2 ** level });
    start += 2 ** level;
  }
  return out;
}

/** Fold the hashes of a range's perfect cover (left to right) into the range's hash. */
export function foldCover(hashes: readonly Hash[]): Hash {
  if (hashes.length === 0) return EMPTY_ROOT;
  let acc = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i]!, acc);
  return acc;
}

/** RFC 6962 §2.1.1 PATH(m, D[n]) as the ranges whose hashes form the proof, leaf side first. */
export function inclusionRanges(index: number, size: number): LeafRange[] {
  checkIndex(index, size);
  const out: LeafRange[] = [];
  let lo = 0;
  let hi = size;
  const stack: LeafRange[] = [];
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      stack.push({ start: lo + k, end: hi });
      hi = lo + k;
    } else {
      stack.push({ start: lo, end: lo + k });
      lo = lo + k;
    }
  }
  while (stack.length > 0) out.push(stack.pop()!);
  return out;
}

/** RFC 6962 §2.1.2 PROOF(m, D[n]) as ranges, in proof order. */
export function consistencyRanges(size1: number, size2: number): LeafRange[] {
  if (!(Number.isSafeInteger(size1) && Number.isSafeInteger(size2) && 0 <= size1 && size1 <= size2)) {
    throw new VerificationError(
      "INDEX_OUT_OF_RANGE",
      `consistency sizes expected 0 <= old <= new, got ${size1}, ${size2}`,
    );
  }
  if (size1 === 0 || size1 === size2) return [];
  const stack: LeafRange[] = [];
  let lo = 0;
  let hi = size2;
  let m = size1;
  let complete = true; // the `b` flag of SUBPROOF
  while (m !== hi - lo) {
    const k = splitPoint(hi - lo);
    if (m <= k) {
      stack.push({ start: lo + k, end: hi });
      hi = lo + k;
    } else {
      stack.push({ start: lo, end: lo + k });
      m -= k;
      lo = lo + k;
      complete = false;
    }
  }
  if (!complete) stack.push({ start: lo, end: hi });
  return stack.reverse();
}

function checkIndex(index: number, size: number): void {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size)) {
    throw new VerificationError(
      "INDEX_OUT_OF_RANGE",
      `leaf index expected < tree size ${size}, got ${index}`,
    );
  }
}

/** Reads perfect-subtree hashes; a store answers this with one batched query. */
export type NodeReader = (ids: readonly NodeId[]) => Promise<readonly Hash[]> | readonly Hash[];

function nodeKey(id: NodeId): string {
  return `${id.level}/${id.index}`;
}

/** Hash every range by folding perfect subtrees fetched in a single call to `read`. */
export async function hashRanges(ranges: readonly LeafRange[], read: NodeReader): Promise<Hash[]> {
  const covers = ranges.map(perfectCover);
  const unique = new Map<string, NodeId>();
  for (const c of covers) for (const id of c) unique.set(nodeKey(id), id);
  const ids = [...unique.values()];
  const hashes = await read(ids);
  const byKey = new Map<string, Hash>();
  ids.forEach((id, i) => {
    const h = hashes[i];
    if (h === undefined)
      throw new VerificationError("PROOF_INVALID", `node ${nodeKey(id)} is missing from the store`);
    byKey.set(nodeKey(id), h);
  });
  return covers.map((c) => foldCover(c.map((id) => byKey.get(nodeKey(id))!)));
}

export async function inclusionProof(index: number, size: number, read: NodeReader): Promise<Hash[]> {
  return hashRanges(inclusionRanges(index, size), read);
}

export async function consistencyProof(size1: number, size2: number, read: NodeReader): Promise<Hash[]> {
  return hashRanges(consistencyRanges(size1, size2), read);
}

export async function rootAt(size: number, read: NodeReader): Promise<Hash> {
  if (size === 0) return EMPTY_ROOT;
  const [root] = await hashRanges([{ start: 0, end: size }], read);
  return root!;
}

function checkHash(h: Uint8Array, what: string): void {
  if (h.length !== HASH_SIZE) {
    throw new VerificationError("PROOF_INVALID", `${what} expected ${HASH_SIZE} bytes, got ${h.length}`);
  }
}

/**
 * RFC 9162 §2.1.3.2: verify that `leaf` is at `index` in the tree of `size` leaves with `root`.
 * Throws VerificationError; returns nothing on success.
 *
 * @example verifyInclusion(0, 1, leaf, [], leaf)
 */
export function verifyInclusion(
  index: number,
  size: number,
  leaf: Hash,
  proof: readonly Hash[],
  root: Hash,
): void {
  checkIndex(index, size);
  checkHash(leaf, "leaf hash");
  checkHash(root, "root hash");
  for (const [i, p] of proof.entries()) checkHash(p, `proof[${i}]`);
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0)
      throw new VerificationError(
        "PROOF_INVALID",
        `inclusion proof has ${proof.length} hashes, more than the tree needs`,
      );
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        // Right-edge node without a sibling: climb until we are a right child (or at the root).
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0)
    throw new VerificationError(
      "PROOF_INVALID",
      `inclusion proof has ${proof.length} hashes, fewer than the tree needs`,
    );
  if (!equalBytes(r, root))
    throw new VerificationError("ROOT_MISMATCH", "inclusion proof does not lead to the expected root");
}

/**
 * RFC 9162 §2.1.4.2: verify that the tree of `size1` leaves with `root1` is a prefix of the tree
 * of `size2` leaves with `root2`.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Hash[],
  root1: Hash,
  root2: Hash,
): void {
  if (!(Number.isSafeInteger(size1) && Number.isSafeInteger(size2) && 0 <= size1 && size1 <= size2)) {
    throw new VerificationError(
      "INDEX_OUT_OF_RANGE",
      `consistency sizes expected 0 <= old <= new, got ${size1}, ${size2}`,
    );
  }
  checkHash(root1, "old root");
  checkHash(root2, "new root");
  for (const [i, p] of proof.entries()) checkHash(p, `proof[${i}]`);
  if (size1 === size2) {
    if (proof.length !== 0) throw new VerificationError("PROOF_INVALID", "equal sizes need an empty proof");
    if (!equalBytes(root1, root2))
      throw new VerificationError("ROOT_MISMATCH", "equal sizes but different roots");
    return;
  }
  if (size1 === 0) {
    // RFC 9162 §2.1.4: every tree is consistent with the empty tree; the proof is empty.
    if (proof.length !== 0)
      throw new VerificationError("PROOF_INVALID", "a proof from the empty tree must be empty");
    return;
  }
  if (proof.length === 0) throw new VerificationError("PROOF_INVALID", "consistency proof is empty");
  let path = [...proof];
  // If size1 is a power of two, the old root is the first node of the path (§2.1.4.2 step 2).
  if (2 ** Math.floor(Math.log2(size1)) === size1) path = [root1, ...path];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0)
      throw new VerificationError("PROOF_INVALID", "consistency proof is longer than the trees need");
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0)
    throw new VerificationError("PROOF_INVALID", "consistency proof is shorter than the trees need");
  if (!equalBytes(fr, root1))
    throw new VerificationError("ROOT_MISMATCH", "consistency proof does not lead to the old root");
  if (!equalBytes(sr, root2))
    throw new VerificationError("ROOT_MISMATCH", "consistency proof does not lead to the new root");
}

/**
 * The right edge of a growing tree: the perfect subtrees covering [0, size), largest first.
 * Appending a leaf merges equal-level neighbours; the merged nodes are what a store must keep.
 */
export class Frontier {
  private readonly nodes: { level: number; index: number; hash: Hash }[] = [];
  private count = 0;

  /** Rebuild from the perfect cover of [0, size), hashes in cover order. */
  static restore(size: number, hashes: readonly Hash[]): Frontier {
    const f = new Frontier();
    const cover = perfectCover({ start: 0, end: size });
    if (cover.length !== hashes.length)
      throw new Error(`frontier for size ${size} needs ${cover.length} hashes, got ${hashes.length}`);
    for (const [i, id] of cover.entries()) f.nodes.push({ ...id, hash: hashes[i]! });
    f.count = size;
    return f;
  }

  get size(): number {
    return this.count;
  }

  clone(): Frontier {
    const f = new Frontier();
    f.nodes.push(...this.nodes);
    f.count = this.count;
    return f;
  }

  /** Add a leaf hash; returns the perfect subtrees (level >= 1) completed by it, lowest first. */
  push(leaf: Hash): { level: number; index: number; hash: Hash }[] {
    const completed: { level: number; index: number; hash: Hash }[] = [];
    this.nodes.push({ level: 0, index: this.count, hash: leaf });
    this.count++;
    for (;;) {
      const n = this.nodes.length;
      const right = this.nodes[n - 1];
      const left = this.nodes[n - 2];
      if (!right || !left || left.level !== right.level) break;
      const merged = { level: left.level + 1, index: left.index / 2, hash: nodeHash(left.hash, right.hash) };
      this.nodes.splice(n - 2, 2, merged);
      completed.push(merged);
    }
    return completed;
  }

  root(): Hash {
    return foldCover(this.nodes.map((n) => n.hash));
  }
}
