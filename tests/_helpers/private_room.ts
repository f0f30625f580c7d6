/**
 * Test helper: a private room for tests that act as an insider (a
 * {@linkcode RawPeer} needs the room key; the `main.ts` processes need the
 * matching `--room`/`--secret` flags).
 *
 * @module
 */

import { deriveRoomKey, type RoomKey } from "../../lib/secure/room_key.ts";

/** A private room named `room`: its key, and the CLI flags that join it. */
export interface PrivateRoom {
  /** The room key, as a {@linkcode RawPeer} takes it. */
  readonly roomKey: RoomKey;
  /** `--room ROOM --secret SECRET`, for `main.ts` peers and bootstraps. */
  readonly flags: readonly string[];
}

/** A private room named `room` with a passphrase derived from its name. */
export async function privateRoom(room: string): Promise<PrivateRoom> {
  const secret = `${room}: correct horse battery staple`;
  return {
    roomKey: { room, psk: await deriveRoomKey(room, secret), isPublic: false, source: "secret" },
    flags: ["--room", room, "--secret", secret],
  };
}
