/**
 * The Merkle tree of a batch of chat bodies, as RFC 9162 § 2.1 defines it
 * (Certificate Transparency): a leaf is `SHA-256(0x00 ‖ body)`, an inner
 * node `SHA-256(0x01 ‖ left ‖ right)`, and a tree of `n > 1` leaves splits at
 * the largest power of two below `n`. The two prefixes keep a leaf from ever
 * passing for an inner node. Hashing is synchronous and allocation-light: a
 * receiver checks one audit path per received message.
 *
 * @module
 */

import { BATCH_NODE_BYTES, largestPowerOfTwoBelow } from "../wire/batch_signature.ts";
import { sha256Into } from "./sha256.ts";

/** Scratch for one inner node's input `0x01 ‖ left ‖ right`. */
const NODE_INPUT = new Uint8Array(1 + 2 * BATCH_NODE_BYTES);
NODE_INPUT[0] = 0x01;

/** Scratch for a leaf's input `0x00 ‖ body`, grown to the largest body seen. */
let leafInput = new Uint8Array(1024);

/** The leaf hash of `body`: `SHA-256(0x00 ‖ body)`. */
export function merkleLeafHash(body: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + body.length);
  input.set(body, 1);
  const out = new Uint8Array(BATCH_NODE_BYTES);
  sha256Into(input, out);
  return out;
}

/** The inner node over `left` and `right`: `SHA-256(0x01 ‖ left ‖ right)`, into `out`. */
function innerNodeInto(left: Uint8Array, right: Uint8Array, out: Uint8Array): void {
  nodeInput(left, 0, right, 0);
  sha256Into(NODE_INPUT, out);
}

/** A batch's tree: its root and the audit path of every leaf, bottom-up. */
export interface MerkleTree {
  /** The root hash (32 bytes). */
  readonly root: Uint8Array;
  /** `paths[i]` is leaf `i`'s audit path: the siblings from the leaf up. */
  readonly paths: readonly (readonly Uint8Array[])[];
}

/**
 * The tree over `leaves` (leaf hashes, from {@linkcode merkleLeafHash}).
 *
 * @throws {RangeError} if there are no leaves.
 */
export function merkleTree(leaves: readonly Uint8Array[]): MerkleTree {
  if (leaves.length === 0) throw new RangeError("Cannot build a Merkle tree: no leaves");
  const paths: Uint8Array[][] = leaves.map(() => []);
  const subtree = (lo: number, hi: number): Uint8Array => {
    if (hi - lo === 1) return leaves[lo]!;
    const mid = lo + largestPowerOfTwoBelow(hi - lo);
    const left = subtree(lo, mid);
    const right = subtree(mid, hi);
    for (let i = lo; i < mid; i++) paths[i]!.push(right);
    for (let i = mid; i < hi; i++) paths[i]!.push(left);
    const node = new Uint8Array(BATCH_NODE_BYTES);
    innerNodeInto(left, right, node);
    return node;
  };
  return { root: subtree(0, leaves.length), paths };
}

/**
 * Writes into `out` (32 bytes) the root that `body`, as leaf `index` of a
 * `count`-leaf tree, reaches through the audit path stored in `pathBytes`
 * from `pathOffset` on (32 bytes a node, bottom-up, as a batch signature
 * holds it): {@linkcode merkleRootFromPath} without allocating, for the
 * receiver's check of every batch-signed chat. Returns false if the path
 * does not have exactly the length that position needs.
 */
export function merkleRootOfLeafInto(
  body: Uint8Array,
  position: { readonly index: number; readonly count: number },
  pathBytes: Uint8Array,
  pathOffset: number,
  out: Uint8Array,
): boolean {
  if (leafInput.length < 1 + body.length) leafInput = new Uint8Array(2 * (1 + body.length));
  leafInput[0] = 0x00;
  leafInput.set(body, 1);
  sha256Into(leafInput.subarray(0, 1 + body.length), out);
  return walkAuditPath(position, pathBytes, pathOffset, out);
}

/**
 * RFC 9162 § 2.1.3.2's walk: turns the node in `node` (32 bytes, the leaf's
 * hash on entry) into the root through the path nodes stored in `pathBytes`
 * from `pathOffset` on, or returns false if their number is not what the
 * position needs.
 */
function walkAuditPath(
  position: { readonly index: number; readonly count: number },
  pathBytes: Uint8Array,
  pathOffset: number,
  node: Uint8Array,
): boolean {
  const { index, count } = position;
  const nodes = (pathBytes.length - pathOffset) / BATCH_NODE_BYTES;
  if (!(index >= 0 && index < count) || !Number.isInteger(nodes)) return false;
  let fn = index;
  let sn = count - 1;
  for (let i = 0; i < nodes; i++) {
    if (sn === 0) return false;
    const at = pathOffset + i * BATCH_NODE_BYTES;
    if ((fn & 1) === 1 || fn === sn) {
      nodeInput(pathBytes, at, node, 0);
      while ((fn & 1) === 0 && fn !== 0) {
        fn >>>= 1;
        sn >>>= 1;
      }
    } else {
      nodeInput(node, 0, pathBytes, at);
    }
    sha256Into(NODE_INPUT, node);
    fn >>>= 1;
    sn >>>= 1;
  }
  return sn === 0;
}

/** Lays `0x01 ‖ left ‖ right` out in the scratch input, from 32 bytes of each at their offsets. */
function nodeInput(left: Uint8Array, leftAt: number, right: Uint8Array, rightAt: number): void {
  for (let i = 0; i < BATCH_NODE_BYTES; i++) {
    NODE_INPUT[1 + i] = left[leftAt + i]!;
    NODE_INPUT[1 + BATCH_NODE_BYTES + i] = right[rightAt + i]!;
  }
}

/**
 * The root that leaf `index` of a `count`-leaf tree reaches through `path`
 * (RFC 9162 § 2.1.3.2), or `undefined` if the path does not have exactly the
 * length that position needs. A wrong leaf or path gives another root; the
 * caller compares it with what was signed.
 */
export function merkleRootFromPath(
  leaf: Uint8Array,
  position: { readonly index: number; readonly count: number },
  path: readonly Uint8Array[],
): Uint8Array | undefined {
  if (leaf.length !== BATCH_NODE_BYTES || path.some((n) => n.length !== BATCH_NODE_BYTES)) {
    return undefined;
  }
  const pathBytes = new Uint8Array(BATCH_NODE_BYTES * path.length);
  path.forEach((node, i) => pathBytes.set(node, BATCH_NODE_BYTES * i));
  const root = new Uint8Array(leaf);
  return walkAuditPath(position, pathBytes, 0, root) ? root : undefined;
}
