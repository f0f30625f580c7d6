/**
 * Room tags: 32 bytes that name one room for everything a peer signs and
 * stores, without revealing its key. A chat signature covers the tag (so a
 * chat signed for one room is invalid in every other), and a peer's store for
 * the room is the file `rooms/<tag in hex>.db` (so one room's history can
 * never be opened, shown or served in another).
 *
 * - A room with a key (public, passphrase or key file):
 *   `SHA-256("p2pchat-room-tag:" ‖ psk ‖ UTF-8(room name))`. Two rooms with
 *   the same name and different keys get different tags; the tag reveals
 *   neither the key nor the passphrase (guessing a passphrase from it costs
 *   the same PBKDF2 as from a recorded handshake).
 * - A plain (`--insecure`) room: `SHA-256("p2pchat-plain-room-tag:" ‖
 *   UTF-8(room name))`, never equal to a keyed room's tag.
 *
 * @module
 */

import { checkRoomName, ROOM_KEY_BYTES, type RoomKey } from "./room_key.ts";

/** Length in bytes of a room tag. */
export const ROOM_TAG_BYTES = 32;

/** Domain string that starts the hashed bytes of a keyed room's tag. */
export const ROOM_TAG_DOMAIN = "p2pchat-room-tag:";

/** Domain string that starts the hashed bytes of a plain (`--insecure`) room's tag. */
export const PLAIN_ROOM_TAG_DOMAIN = "p2pchat-plain-room-tag:";

const encoder = new TextEncoder();

/**
 * The tag of a keyed room: `SHA-256("p2pchat-room-tag:" ‖ psk ‖ room name)`.
 *
 * @throws {RangeError} if the key is not 32 bytes or the room name is invalid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { publicRoomKey } from "./room_key.ts";
 * import { roomTag } from "./room_tag.ts";
 *
 * const tag = await roomTag(await publicRoomKey("lobby"));
 * assert.equal(tag.byteLength, 32);
 * ```
 */
export async function roomTag(room: RoomKey): Promise<Uint8Array<ArrayBuffer>> {
  checkRoomName(room.room);
  if (room.psk.byteLength !== ROOM_KEY_BYTES) {
    throw new RangeError(
      `Cannot compute room tag: the key is ${room.psk.byteLength} bytes, expected ${ROOM_KEY_BYTES}`,
    );
  }
  const domain = encoder.encode(ROOM_TAG_DOMAIN);
  const name = encoder.encode(room.room);
  const bytes = new Uint8Array(domain.byteLength + ROOM_KEY_BYTES + name.byteLength);
  bytes.set(domain);
  bytes.set(room.psk, domain.byteLength);
  bytes.set(name, domain.byteLength + ROOM_KEY_BYTES);
  try {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  } finally {
    bytes.fill(0);
  }
}

/**
 * The tag of a plain (`--insecure`) room: `SHA-256("p2pchat-plain-room-tag:" ‖ room name)`.
 *
 * @throws {RangeError} if the room name is invalid.
 */
export async function plainRoomTag(room: string): Promise<Uint8Array<ArrayBuffer>> {
  checkRoomName(room);
  const bytes = encoder.encode(PLAIN_ROOM_TAG_DOMAIN + room);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

/**
 * The tag of the room a node runs in: `roomTag(room)` with a key, or
 * `plainRoomTag(plainRoom)` without one (`--insecure`).
 */
export async function roomTagOf(
  room: RoomKey | undefined,
  plainRoom: string,
): Promise<Uint8Array<ArrayBuffer>> {
  return room === undefined ? await plainRoomTag(plainRoom) : await roomTag(room);
}

/** Whether two tags are the same bytes. */
export function sameRoomTag(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i]);
}

/** A tag as 64 lowercase hex digits (the store's file name). */
export function roomTagHex(tag: Uint8Array): string {
  if (tag.byteLength !== ROOM_TAG_BYTES) {
    throw new RangeError(`Invalid room tag: ${tag.byteLength} bytes, expected ${ROOM_TAG_BYTES}`);
  }
  let hex = "";
  for (const byte of tag) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
