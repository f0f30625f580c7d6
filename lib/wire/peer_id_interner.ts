/**
 * Peer ids as strings, made once per id instead of once per appearance.
 * Every chat names its author and each clock entry by a 32-byte id, and
 * turning each into a fresh 64-character string — then hashing it again for
 * every map it is looked up in — was a large part of decoding a chat. An id
 * seen before comes back as the same string (its hash already computed).
 *
 * @module
 */

import { bytesToHex } from "./hex.ts";
import { PEER_ID_BYTES, type PeerId } from "./message.ts";

/** Ids kept before the table starts over. */
export const INTERNED_IDS_MAX = 4096;

interface Interned {
  readonly bytes: Uint8Array;
  readonly id: PeerId;
}

/**
 * Keyed by 30 bits of the id's first bytes (a small integer, the cheapest map
 * key). Ids are public keys, so those bits tell honest ids apart; ids made to
 * share them only evict each other, and each lookup still compares all 32
 * bytes, so a collision costs speed, never correctness.
 */
const interned = new Map<number, Interned>();

/**
 * The id whose 32 bytes start at `start` in `bytes`, as lowercase hex.
 *
 * @throws {RangeError} if fewer than 32 bytes follow `start`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { peerIdAt } from "./peer_id_interner.ts";
 *
 * const bytes = new Uint8Array(33).fill(0xab);
 * assert.equal(peerIdAt(bytes, 1), "ab".repeat(32));
 * ```
 */
export function peerIdAt(bytes: Uint8Array, start: number): PeerId {
  if (start < 0 || start + PEER_ID_BYTES > bytes.length) {
    throw new RangeError(`Cannot read a peer id at ${start} of ${bytes.length} bytes`);
  }
  const key = bytes[start]! | (bytes[start + 1]! << 8) | (bytes[start + 2]! << 16) |
    ((bytes[start + 3]! & 0x3f) << 24);
  const hit = interned.get(key);
  if (hit !== undefined && sameId(hit.bytes, bytes, start)) return hit.id;
  const own = bytes.slice(start, start + PEER_ID_BYTES);
  const id = bytesToHex(own);
  if (hit === undefined && interned.size >= INTERNED_IDS_MAX) interned.clear();
  interned.set(key, { bytes: own, id });
  return id;
}

function sameId(known: Uint8Array, bytes: Uint8Array, start: number): boolean {
  for (let i = 0; i < PEER_ID_BYTES; i++) {
    if (known[i] !== bytes[start + i]) return false;
  }
  return true;
}

/** How many ids are interned now (at most {@linkcode INTERNED_IDS_MAX}). */
export function internedIdCount(): number {
  return interned.size;
}
