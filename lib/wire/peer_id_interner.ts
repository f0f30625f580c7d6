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

/**
 * Slot of each interned id, keyed by 30 bits of its first bytes (a small
 * integer, the cheapest map key). Ids are public keys, so those bits tell
 * honest ids apart; ids made to share them only evict each other, and each
 * lookup still compares all 32 bytes, so a collision costs speed, never
 * correctness.
 */
const slotByKey = new Map<number, number>();

/**
 * The interned ids' bytes, one slot of 32 after another: one buffer, so there
 * is nothing per id to collect. It grows with use (an idle node knows a
 * handful of ids), up to {@linkcode INTERNED_IDS_MAX} slots.
 */
let slotBytes = new Uint8Array(16 * PEER_ID_BYTES);

/** The interned ids' strings, by slot. */
const slotIds: PeerId[] = [];

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
  let slot = slotByKey.get(key);
  if (slot !== undefined && sameBytes(slot, bytes, start)) return slotIds[slot]!;
  const id = bytesToHex(bytes.subarray(start, start + PEER_ID_BYTES));
  if (slot === undefined) {
    if (slotIds.length >= INTERNED_IDS_MAX) {
      slotByKey.clear();
      slotIds.length = 0;
    }
    slot = slotIds.length;
    slotByKey.set(key, slot);
  }
  slotIds[slot] = id;
  if ((slot + 1) * PEER_ID_BYTES > slotBytes.length) {
    const grown = new Uint8Array(Math.min(2 * slotBytes.length, INTERNED_IDS_MAX * PEER_ID_BYTES));
    grown.set(slotBytes);
    slotBytes = grown;
  }
  slotBytes.set(bytes.subarray(start, start + PEER_ID_BYTES), slot * PEER_ID_BYTES);
  return id;
}

function sameBytes(slot: number, bytes: Uint8Array, start: number): boolean {
  const at = slot * PEER_ID_BYTES;
  for (let i = 0; i < PEER_ID_BYTES; i++) {
    if (slotBytes[at + i] !== bytes[start + i]) return false;
  }
  return true;
}

/** How many ids are interned now (at most {@linkcode INTERNED_IDS_MAX}). */
export function internedIdCount(): number {
  return slotIds.length;
}
