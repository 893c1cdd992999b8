/**
 * The tree a remote client derives from the entries' own bytes, and what it has seen the server
 * sign. Every perfect subtree is kept as it completes, so the log's frontier, its proofs and the
 * verifier's node checks answer from hashes this client computed, never from hashes a server sent.
 *
 * The server is trusted for nothing here: a signed checkpoint whose root the derived tree does not
 * produce at that size, a second root for a size already signed, or an entry that comes back with
 * other bytes is a history that forked under this client (REMOTE_FORKED). A checkpoint whose
 * signature does not verify is evidence of nothing and is left to the verifier to report.
 *
 * Memory: 32 bytes a leaf and about as much again for the nodes above them (64 MB at a million).
 */
import { VerificationError } from "../../errors.js";
import { encodeBase64 } from "../../ledger/base64.js";
import { openCheckpoint } from "../../ledger/checkpoint.js";
import { equalBytes } from "../../ledger/crypto.js";
import type { VerifierKey } from "../../ledger/keys.js";
import { Frontier, type Hash, type NodeId, rootAt } from "../../ledger/merkle.js";

export class DerivedTree {
  private readonly frontier = new Frontier();
  /** `levels[L][i]` is the hash of the perfect subtree of 2^L leaves starting at leaf i * 2^L. */
  private readonly levels: Hash[][] = [[]];
  private nodeTotal = 0;
  /** Signed roots by size, from checkpoints whose signature verified. */
  private readonly signed = new Map<number, Hash>();

  constructor(
    private readonly where: string,
    private readonly logKey: VerifierKey,
    private readonly origin: string,
  ) {}

  get size(): number {
    return this.frontier.size;
  }

  /** Subtree hashes (level >= 1) derived so far. */
  get nodeCount(): number {
    return this.nodeTotal;
  }

  private forked(message: string): VerificationError {
    return new VerificationError("REMOTE_FORKED", `${this.where}: the server's history forked: ${message}`);
  }

  /** Add the leaf hash of the next entry, and hold it to a checkpoint signed at the new size. */
  push(leaf: Hash): void {
    this.levels[0]!.push(leaf);
    for (const n of this.frontier.push(leaf)) {
      let level = this.levels[n.level];
      if (level === undefined) {
        level = [];
        this.levels[n.level] = level;
      }
      level[n.index] = n.hash;
      this.nodeTotal++;
    }
    const want = this.signed.get(this.size);
    if (want !== undefined && !equalBytes(want, this.frontier.root()))
      throw this.forked(
        `its checkpoint at size ${this.size} signs root ${encodeBase64(want)}, but its entries produce ${encodeBase64(this.frontier.root())}`,
      );
  }

  /** The leaf hash of entry `index`, if derived. */
  leaf(index: number): Hash | undefined {
    return this.levels[0]![index];
  }

  node(id: NodeId): Hash | undefined {
    return this.levels[id.level]?.[id.index];
  }

  /**
   * Take note of a checkpoint the server signed (a note that does not verify is ignored). Throws
   * REMOTE_FORKED when it contradicts one seen before or the entries already read.
   */
  async see(text: string): Promise<void> {
    let size: number;
    let root: Hash;
    try {
      const { checkpoint } = openCheckpoint(text, this.logKey, this.origin);
      size = checkpoint.size;
      root = checkpoint.root;
    } catch {
      return;
    }
    const before = this.signed.get(size);
    if (before !== undefined) {
      if (!equalBytes(before, root))
        throw this.forked(
          `it signed two roots for size ${size}: ${encodeBase64(before)}, then ${encodeBase64(root)}`,
        );
      return;
    }
    this.signed.set(size, root);
    if (size <= this.size) {
      const got = await rootAt(size, (ids) => ids.map((id) => this.node(id)!));
      if (!equalBytes(got, root))
        throw this.forked(
          `its checkpoint at size ${size} signs root ${encodeBase64(root)}, but the entries read from it produce ${encodeBase64(got)}`,
        );
    }
  }
}
