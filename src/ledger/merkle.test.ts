import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  consistencyProof,
  Frontier,
  type Hash,
  inclusionProof,
  leafHash,
  type NodeReader,
  verifyConsistency,
  verifyInclusion,
} from "./merkle.js";
import { mth, path, proof } from "./test-support/reference-merkle.js";

/** A tree built the way the log builds it: leaves pushed through the frontier, completed nodes kept. */
function build(leaves: readonly Uint8Array[]) {
  const f = new Frontier();
  const nodes = new Map<string, Hash>();
  const roots: Hash[] = [];
  for (const [i, l] of leaves.entries()) {
    const h = leafHash(l);
    nodes.set(`0/${i}`, h);
    for (const n of f.push(h)) nodes.set(`${n.level}/${n.index}`, n.hash);
    roots.push(f.root());
  }
  let reads = 0;
  const read: NodeReader = (ids) => {
    reads += ids.length;
    return ids.map((id) => {
      const h = nodes.get(`${id.level}/${id.index}`);
      if (!h) throw new Error(`missing ${id.level}/${id.index}`);
      return h;
    });
  };
  return { roots, read, reads: () => reads };
}

// Distinct leaves: with repeated leaves a proof for one index is honestly also a proof for another.
const leavesArb = (max: number) =>
  fc.uniqueArray(fc.uint8Array({ maxLength: 8 }), {
    minLength: 1,
    maxLength: max,
    selector: (l) => Buffer.from(l).toString("hex"),
  });
const hex = (h: Uint8Array) => Buffer.from(h).toString("hex");

/** The proof with one bit flipped in the hash at `pick` (modulo its length). */
function flipInProof(proof: readonly Hash[], pick: number, bit: number): Hash[] {
  const k = pick % proof.length;
  return proof.map((h, i) => (i === k ? flipBit(h, bit) : h));
}

function flipBit(h: Uint8Array, bit: number): Uint8Array {
  const c = new Uint8Array(h);
  c[(bit >> 3) % c.length]! ^= 1 << (bit & 7);
  return c;
}

describe("merkle proofs against the recursive reference", () => {
  it("roots, inclusion and consistency proofs match RFC 6962 and verify (trees up to 1,000 leaves)", async () => {
    await fc.assert(
      fc.asyncProperty(leavesArb(1000), fc.nat(), fc.nat(), async (leaves, a, b) => {
        const t = build(leaves);
        const n = leaves.length;
        expect(hex(t.roots[n - 1]!)).toBe(hex(mth(leaves)));
        const index = a % n;
        const size = index + 1 + (b % (n - index));
        const p = await inclusionProof(index, size, t.read);
        expect(p.map(hex)).toEqual(path(index, leaves.slice(0, size)).map(hex));
        verifyInclusion(index, size, leafHash(leaves[index]!), p, t.roots[size - 1]!);
        const m = 1 + (a % n);
        const c = await consistencyProof(m, size >= m ? size : n, t.read);
        const s2 = size >= m ? size : n;
        expect(c.map(hex)).toEqual(proof(m, leaves.slice(0, s2)).map(hex));
        verifyConsistency(m, s2, c, t.roots[m - 1]!, t.roots[s2 - 1]!);
      }),
      { numRuns: 150 },
    );
  });

  // A size is only meaningful with its root (a checkpoint signs both), so a changed size is checked
  // against the true root of the tree at that size; sizes stay within the built tree for that reason.
  const bitBelow = (x: number, bit: number) => 1 << (bit % Math.max(1, Math.floor(Math.log2(x)) + 1));

  it("any single-bit change to an inclusion proof, leaf, root, index or size fails", async () => {
    await fc.assert(
      fc.asyncProperty(
        leavesArb(300),
        fc.nat(),
        fc.nat(),
        fc.nat({ max: 255 }),
        fc.nat(),
        async (leaves, a, which, bit, pick) => {
          const t = build(leaves);
          const n = Math.ceil(leaves.length / 2);
          const index = a % n;
          const rootOf = (size: number) => t.roots[size - 1] ?? new Uint8Array(32);
          const root = rootOf(n);
          const leaf = leafHash(leaves[index]!);
          const p = await inclusionProof(index, n, t.read);
          verifyInclusion(index, n, leaf, p, root);
          const badIndex = index ^ bitBelow(n, bit);
          const badSize = n ^ bitBelow(n, bit);
          const variants: (() => void)[] = [
            () => verifyInclusion(index, n, flipBit(leaf, bit), p, root),
            () => verifyInclusion(index, n, leaf, p, flipBit(root, bit)),
            () => verifyInclusion(badIndex, n, leaf, p, root),
            () => verifyInclusion(index, badSize, leaf, p, rootOf(badSize)),
          ];
          if (p.length > 0)
            variants.push(() => verifyInclusion(index, n, leaf, flipInProof(p, pick, bit), root));
          expect(variants[which % variants.length]!).toThrow();
        },
      ),
      { numRuns: 500 },
    );
  });

  it("any single-bit change to a consistency proof, either root or either size fails", async () => {
    await fc.assert(
      fc.asyncProperty(
        leavesArb(300),
        fc.nat(),
        fc.nat(),
        fc.nat({ max: 255 }),
        fc.nat(),
        async (leaves, a, which, bit, pick) => {
          fc.pre(leaves.length >= 4);
          const t = build(leaves);
          const n = Math.ceil(leaves.length / 2);
          const m = 1 + (a % (n - 1));
          const rootOf = (size: number) => t.roots[size - 1] ?? new Uint8Array(32);
          const c = await consistencyProof(m, n, t.read);
          const r1 = rootOf(m);
          const r2 = rootOf(n);
          verifyConsistency(m, n, c, r1, r2);
          const m2 = m ^ bitBelow(m, bit);
          const n2 = n ^ bitBelow(n, bit);
          const variants: (() => void)[] = [
            () => verifyConsistency(m, n, c, flipBit(r1, bit), r2),
            () => verifyConsistency(m, n, c, r1, flipBit(r2, bit)),
            () => verifyConsistency(m2, n, c, rootOf(m2), r2),
            () => verifyConsistency(m, n2, c, r1, rootOf(n2)),
          ];
          if (c.length > 0) variants.push(() => verifyConsistency(m, n, flipInProof(c, pick, bit), r1, r2));
          expect(variants[which % variants.length]!).toThrow();
        },
      ),
      { numRuns: 500 },
    );
  });

  it("a proof reads O(log n) stored nodes", async () => {
    const leaves = Array.from({ length: 1000 }, (_, i) => new Uint8Array([i & 255, i >> 8]));
    const t = build(leaves);
    for (const index of [0, 499, 998, 999]) {
      const before = t.reads();
      await inclusionProof(index, 1000, t.read);
      expect(t.reads() - before).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(1000)));
    }
    const before = t.reads();
    await consistencyProof(333, 1000, t.read);
    expect(t.reads() - before).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(1000)));
  });

  it("rejects out-of-range indices with a coded error", async () => {
    const t = build([new Uint8Array([1]), new Uint8Array([2])]);
    await expect(inclusionProof(2, 2, t.read)).rejects.toMatchObject({ code: "INDEX_OUT_OF_RANGE" });
    await expect(inclusionProof(-1, 2, t.read)).rejects.toMatchObject({ code: "INDEX_OUT_OF_RANGE" });
    await expect(consistencyProof(3, 2, t.read)).rejects.toMatchObject({ code: "INDEX_OUT_OF_RANGE" });
    expect(() => verifyInclusion(0.5, 2, leafHash(new Uint8Array()), [], new Uint8Array(32))).toThrow(
      expect.objectContaining({ code: "INDEX_OUT_OF_RANGE" }),
    );
  });
});
