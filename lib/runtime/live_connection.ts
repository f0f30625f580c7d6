/**
 * An established connection as the runtime keeps it: the socket, the secure
 * channel over it, and what is waiting to be sealed and written.
 *
 * @module
 */

import type { ConnId } from "../actor/effect.ts";
import type { Channel } from "../secure/channel.ts";
import type { FramedConnection } from "./framed_connection.ts";

/**
 * How a link's bytes travel: straight between the two peers (`direct`),
 * through a relay (`relayed`, PROTOCOL.md § Relays), or over a connection the
 * two opened through their NATs after starting relayed (`punched`).
 */
export type LinkPath = "direct" | "relayed" | "punched";

/** One established connection of the runtime. */
export interface LiveConnection {
  /** The actor's name for it. */
  readonly id: ConnId;
  readonly framed: FramedConnection;
  readonly channel: Channel;
  /** Payloads waiting to be sealed, in order. */
  outbox: (Uint8Array | Promise<Uint8Array>)[];
  /** The one flush running for this connection: seals stay in order and closes wait for it. */
  flushing: Promise<void> | undefined;
  /** The actor closed it: no disconnect event is owed. */
  closedByActor: boolean;
  /** How its bytes travel. */
  path: LinkPath;
}

/** The remote address for a log line, even once the socket is gone. */
export function safeRemote(framed: FramedConnection): string {
  try {
    return framed.remoteAddr;
  } catch {
    return "a closed connection";
  }
}

/** A one-line reason for logs and events. */
export function describe(error: unknown): string {
  if (error instanceof Deno.errors.ConnectionRefused) return "connection refused";
  if (error instanceof Deno.errors.ConnectionReset) return "connection reset";
  if (error instanceof Error) return error.message;
  return String(error);
}
