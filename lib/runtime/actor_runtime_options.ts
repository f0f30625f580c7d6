/**
 * How an {@linkcode ActorRuntime} is tuned, every limit with its default, and
 * the counters it keeps.
 *
 * @module
 */

import type { ConnId } from "../actor/effect.ts";
import type { Handshake } from "../secure/channel.ts";
import type { ChatAuthenticator } from "../secure/chat_authenticator.ts";
import type { MemberAuthenticator } from "../secure/member_signature.ts";
import type { Message } from "../wire/message.ts";
import type { WireLimits } from "../wire/wire_limits.ts";
import type { InboundStats } from "./inbound_pipeline.ts";
import type { OutboundStats } from "./outbound_queue.ts";
import type { RuntimeEvent } from "./peer_event.ts";
import type { FramedConnection } from "./framed_connection.ts";
import type { PunchOpener } from "./hole_punch.ts";

/** Options of {@linkcode ActorRuntime}. */
export interface ActorRuntimeOptions {
  /** How connections authenticate and encrypt. */
  handshake: Handshake;
  /** Receives deliveries, membership changes and diagnostics. Default: ignore. */
  onEvent?: (event: RuntimeEvent) => void;
  /**
   * Receives the events of one step together, before `onEvent` sees them one
   * by one, and before anything that step sent reaches a socket (the store
   * commits here). Default: nothing.
   */
  onEvents?: (events: readonly RuntimeEvent[]) => void;
  /**
   * Sees each message received on (`in`, after the actor handled it) or sent
   * on (`out`) connection `conn`: what a diagnostic view (the web page's
   * repair log and message provenance) watches. Default: nothing.
   */
  onTraffic?: (direction: "in" | "out", conn: ConnId, message: Message) => void;
  /** Monotonic milliseconds. Default `performance.now()`. */
  clock?: () => number;
  /** Wire limits enforced on every message received. Default {@linkcode DEFAULT_WIRE_LIMITS}. */
  limits?: WireLimits;
  /** A dial must connect and finish its handshake within this. Default 5 000 ms. */
  dialTimeoutMs?: number;
  /** An inbound connection must finish its handshake within this. Default 5 000 ms. */
  handshakeTimeoutMs?: number;
  /** Most connections open at once, both directions; inbound ones past it are refused. Default 1 024. */
  connectionsMax?: number;
  /** Most bytes queued for one connection before it is closed as stuck. Default 8 MiB. */
  writeQueueBytesMax?: number;
  /** How long a deliberate close may take to flush. Default 1 000 ms. */
  closeFlushMs?: number;
  /** Most connections from one remote address (handshakes included). Default 64. */
  connectionsPerAddressMax?: number;
  /**
   * Messages a second one connection may send on average (bursts up to the
   * same number); past it the connection is closed. Default 25 000.
   */
  messagesPerSecondMax?: number;
  /**
   * Wire bytes a second one connection may send on average (bursts up to the
   * same number); past it the connection is closed. A message count alone
   * lets large frames through at 25 000 × the frame size. Default 16 MiB.
   */
  bytesPerSecondMax?: number;
  /** Verifies chat on its way in (secure rooms; own chat is signed before it is stored and published); none: chat is taken as it comes. */
  authenticator?: ChatAuthenticator;
  /**
   * Signs this node's own member records on their way out and checks the
   * signed records of others on their way in (a forged one counts as an
   * offence, like a forged chat). Default: none, records go as they are.
   */
  memberAuthenticator?: MemberAuthenticator;
  /** Forged or altered messages one connection may bring before it is closed. Default 3. */
  offencesMax?: number;
  /**
   * Takes accepted connections whose first frame is a relay frame
   * (PROTOCOL.md § Relays: reservations, relayed streams, dial-backs).
   * Default: they are closed.
   */
  onRelayFrame?: (framed: FramedConnection, first: Uint8Array, host: string) => void;
  /**
   * Try to punch through NATs on relayed links this side dialled (a
   * simultaneous TCP open from a chosen port), moving the link to that
   * connection when it works, its relayed stream kept as a fallback; and
   * answer the other side's punches. Default false.
   */
  punch?: boolean;
  /** How punched connections are opened. Default: a TCP simultaneous open. */
  punchOpener?: PunchOpener;
  /** Connections held outside the actor (a relay's), counted against `connectionsMax`. */
  heldConnections?: () => number;
}

/** Counters of what went over the wire, for benchmarks and `stats`. */
export interface RuntimeStats extends OutboundStats, InboundStats {
  /** Messages received and decoded. */
  messagesReceived: number;
  /** Connections closed because the remote broke the protocol. */
  protocolErrors: number;
}
