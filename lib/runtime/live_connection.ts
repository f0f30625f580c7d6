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

/** One path of a link: a socket and the secure channel over it. */
export interface LinkTransport {
  readonly framed: FramedConnection;
  readonly channel: Channel;
}

/**
 * One established connection of the runtime. A relayed link may run on two
 * paths: once punched through, it writes on the punched connection and keeps
 * its relayed stream open, still read, to fall back to.
 */
export interface LiveConnection {
  /** The actor's name for it. */
  readonly id: ConnId;
  /** The path it writes on. */
  framed: FramedConnection;
  channel: Channel;
  /** Payloads waiting to be sealed, in order. */
  outbox: (Uint8Array | Promise<Uint8Array>)[];
  /** The one flush running for this connection: seals stay in order and closes wait for it. */
  flushing: Promise<void> | undefined;
  /** The actor closed it: no disconnect event is owed. */
  closedByActor: boolean;
  /** How its bytes travel. */
  path: LinkPath;
  /** The relayed stream of a punched link, kept to fall back to; undefined otherwise. */
  fallback: LinkTransport | undefined;
  /** The address this side dialled (`RELAY/relay/ID` when relayed); undefined when it accepted. */
  readonly dialled: string | undefined;
  /** Punch attempts this link may still make (its dialer's side). */
  upgradesLeft: number;
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
