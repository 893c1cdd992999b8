/** A naive recursive RFC 6962 §2.1 implementation: the reference the fast code is checked against. */
import { EMPTY_ROOT, type Hash, leafHash, nodeHash, splitPoint } from "../merkle.js";

export function mth(leaves: readonly Uint8Array[]): Hash {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leafHash(leaves[0]!);
  const k = splitPoint(leaves.length);
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

export function path(m: number, leaves: readonly Uint8Array[]): Hash[] {
  if (leaves.length <= 1) return [];
  const k = splitPoint(leaves.length);
  return m < k
    ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))]
    : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

function subproof(m: number, leaves: readonly Uint8Array[], complete: boolean): Hash[] {
  const n = leaves.length;
  if (m === n) return complete ? [] : [mth(leaves)];
  const k = splitPoint(n);
  return m <= k
    ? [...subproof(m, leaves.slice(0, k), complete), mth(leaves.slice(k))]
    : [...subproof(m - k, leaves.slice(k), false), mth(leaves.slice(0, k))];
}

export function proof(m: number, leaves: readonly Uint8Array[]): Hash[] {
  return m === 0 || m === leaves.length ? [] : subproof(m, leaves, true);
}
