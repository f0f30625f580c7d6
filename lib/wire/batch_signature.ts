/**
 * The layout of a batch signature: one Ed25519 signature over the Merkle
 * root of several chat bodies of one author, and the audit path that ties one
 * body to that root (PROTOCOL.md § 8 chat). An author that sends many
 * messages at once signs once; a receiver verifies a root once and every
 * other message of the batch by hashing alone.
 *
 * Layout of the chat's `signature` bin when it is a batch signature:
 *
 * ```
 * rootSignature:64 ‖ index:u16 ‖ count:u16 ‖ path:32×L
 * ```
 *
 * big-endian, `2 ≤ count ≤ CHAT_BATCH_MESSAGES_MAX`, `index < count`, and
 * `L = auditPathLength(index, count)` exactly: the shape of the tree
 * (RFC 9162 § 2.1) fixes the path's length. A plain signature is 64 bytes, so
 * the two never share a length.
 *
 * @module
 */

import { SIGNATURE_BYTES } from "./message.ts";

/** Most messages one batch signature covers, as receivers accept it (PROTOCOL.md § Limits). */
export const CHAT_BATCH_MESSAGES_MAX = 256;

/** Length in bytes of a Merkle tree node (a SHA-256 digest). */
export const BATCH_NODE_BYTES = 32;

/** Bytes before the audit path: the root's signature, the index and the count. */
export const BATCH_HEADER_BYTES = SIGNATURE_BYTES + 4;

/** Length of the longest batch signature: a path of 8 nodes (256 leaves). */
export const BATCH_SIGNATURE_BYTES_MAX = BATCH_HEADER_BYTES +
  BATCH_NODE_BYTES * Math.ceil(Math.log2(CHAT_BATCH_MESSAGES_MAX));

/** A batch signature, decoded. */
export interface BatchSignature {
  /** The author's Ed25519 signature over the batch's root (64 bytes). */
  readonly rootSignature: Uint8Array;
  /** This message's position among the batch's leaves, from 0. */
  readonly index: number;
  /** How many messages the batch holds, at least 2. */
  readonly count: number;
  /** The sibling hashes from the leaf up to the root, 32 bytes each. */
  readonly path: readonly Uint8Array[];
}

/**
 * The number of nodes in the audit path of leaf `index` in a tree of `count`
 * leaves (RFC 9162 § 2.1.3): the depth of that leaf.
 *
 * @throws {RangeError} unless `0 ≤ index < count`.
 */
export function auditPathLength(index: number, count: number): number {
  if (!Number.isInteger(index) || !Number.isInteger(count) || index < 0 || index >= count) {
    throw new RangeError(`Invalid leaf: index ${index} of ${count}`);
  }
  let length = 0;
  let lo = 0;
  let size = count;
  while (size > 1) {
    const split = largestPowerOfTwoBelow(size);
    if (index < lo + split) size = split;
    else {
      lo += split;
      size -= split;
    }
    length++;
  }
  return length;
}

/** The largest power of two strictly below `n` (n ≥ 2): where RFC 9162 splits a tree. */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Whether `signature` has the length and header of a well-formed batch signature. */
export function isBatchSignature(signature: Uint8Array): boolean {
  return batchPosition(signature) !== undefined;
}

/**
 * Decodes a batch signature (views into `bytes`, not copies), or `undefined`
 * if `bytes` is not one: too short, a count or index out of range, or a path
 * of the wrong length.
 */
export function parseBatchSignature(bytes: Uint8Array): BatchSignature | undefined {
  const position = batchPosition(bytes);
  if (position === undefined) return undefined;
  const path: Uint8Array[] = [];
  for (let at = BATCH_HEADER_BYTES; at < bytes.length; at += BATCH_NODE_BYTES) {
    path.push(bytes.subarray(at, at + BATCH_NODE_BYTES));
  }
  return { rootSignature: bytes.subarray(0, SIGNATURE_BYTES), ...position, path };
}

/**
 * The leaf position a batch signature claims, once its count, index and
 * length are checked, or `undefined`; allocates nothing, since the decoder
 * checks every chat's signature this way before anything verifies it.
 */
export function batchPosition(
  bytes: Uint8Array,
): { index: number; count: number } | undefined {
  if (bytes.length < BATCH_HEADER_BYTES + BATCH_NODE_BYTES) return undefined;
  if (bytes.length > BATCH_SIGNATURE_BYTES_MAX) return undefined;
  const index = (bytes[SIGNATURE_BYTES]! << 8) | bytes[SIGNATURE_BYTES + 1]!;
  const count = (bytes[SIGNATURE_BYTES + 2]! << 8) | bytes[SIGNATURE_BYTES + 3]!;
  if (count < 2 || count > CHAT_BATCH_MESSAGES_MAX || index >= count) return undefined;
  const length = auditPathLength(index, count);
  if (bytes.length !== BATCH_HEADER_BYTES + BATCH_NODE_BYTES * length) return undefined;
  return { index, count };
}

/**
 * Encodes a batch signature.
 *
 * @throws {RangeError} if a field is out of range or the path has the wrong length.
 */
export function encodeBatchSignature(batch: BatchSignature): Uint8Array<ArrayBuffer> {
  const { rootSignature, index, count, path } = batch;
  if (rootSignature.length !== SIGNATURE_BYTES) {
    throw new RangeError(`Invalid root signature: ${rootSignature.length} bytes`);
  }
  if (count < 2 || count > CHAT_BATCH_MESSAGES_MAX) {
    throw new RangeError(`Invalid batch: ${count} messages, 2 to ${CHAT_BATCH_MESSAGES_MAX}`);
  }
  const length = auditPathLength(index, count);
  if (path.length !== length || path.some((node) => node.length !== BATCH_NODE_BYTES)) {
    throw new RangeError(`Invalid audit path: leaf ${index} of ${count} needs ${length} nodes`);
  }
  const bytes = new Uint8Array(BATCH_HEADER_BYTES + BATCH_NODE_BYTES * length);
  bytes.set(rootSignature);
  bytes[SIGNATURE_BYTES] = index >>> 8;
  bytes[SIGNATURE_BYTES + 1] = index & 0xff;
  bytes[SIGNATURE_BYTES + 2] = count >>> 8;
  bytes[SIGNATURE_BYTES + 3] = count & 0xff;
  path.forEach((node, i) => bytes.set(node, BATCH_HEADER_BYTES + BATCH_NODE_BYTES * i));
  return bytes;
}

/**
 * Whether a chat's `signature` bin has a valid length and layout: empty (the
 * plain channel), one Ed25519 signature, or a batch signature.
 */
export function isChatSignatureForm(signature: Uint8Array): boolean {
  return signature.length === 0 || signature.length === SIGNATURE_BYTES ||
    isBatchSignature(signature);
}
