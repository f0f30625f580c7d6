/**
 * Turning a socket into a secure channel, both ways: dialing with one
 * deadline for connecting and the handshake together, and taking an accepted
 * socket through its handshake in time. Sockets in a handshake are tracked
 * here, for the connection limits and for shutdown.
 *
 * @module
 */

import type { Channel, Handshake } from "../secure/channel.ts";
import { addressProblem, parseAddress } from "../wire/address.ts";
import type { Hello } from "../wire/message.ts";
import type { Admission } from "./admission.ts";
import { FramedConnection } from "./framed_connection.ts";
import type { RefusalCounts } from "./refusal_counts.ts";
import { describe, safeRemote } from "./live_connection.ts";
import { withDeadline } from "./with_deadline.ts";

/** A socket with its finished handshake. */
export interface Connected {
  readonly framed: FramedConnection;
  readonly channel: Channel;
}

/** Options of {@linkcode Connector}. */
export interface ConnectorOptions {
  /** How connections authenticate and encrypt. */
  readonly handshake: Handshake;
  /** The hello presented on every new connection. */
  readonly localHello: () => Hello;
  /** Frames over this are refused before they are buffered. */
  readonly frameBytesMax: number;
  /** Most bytes queued for one connection before it is closed as stuck. */
  readonly writeQueueBytesMax: number;
  /** A dial must connect and finish its handshake within this. */
  readonly dialTimeoutMs: number;
  /** An inbound connection must finish its handshake within this. */
  readonly handshakeTimeoutMs: number;
  /** Monotonic milliseconds. */
  readonly clock: () => number;
  /** Counts inbound sockets per host. */
  readonly admission: Admission;
  /** A diagnostic line. */
  readonly log: (level: "info", text: string) => void;
  /** Where failed handshakes are counted. Default: nowhere. */
  readonly refusals?: RefusalCounts | undefined;
}

/** Dials and accepts, up to a finished handshake. */
export class Connector {
  readonly #options: ConnectorOptions;
  /** Sockets not yet handed to the actor (handshakes in progress). */
  readonly #pending = new Set<FramedConnection>();

  /** A connector with `options`. */
  constructor(options: ConnectorOptions) {
    this.#options = options;
  }

  /** Sockets in a handshake now. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Closes every socket still in its handshake (shutdown). */
  closePending(): void {
    for (const socket of this.#pending) socket.close();
  }

  /** Runs an accepted socket's handshake; undefined (logged, socket closed) when it fails. */
  async accept(conn: Deno.Conn): Promise<Connected | undefined> {
    const o = this.#options;
    const framed = this.#framed(conn, true);
    try {
      const channel = await this.#withTimeout(
        framed,
        o.handshakeTimeoutMs,
        o.handshake(framed, { initiator: false, local: withSeen(o.localHello(), framed) }),
      );
      return { framed, channel };
    } catch (error) {
      o.refusals?.countHandshakeFailure("inbound", error);
      o.log("info", `Handshake with ${safeRemote(framed)} failed: ${describe(error)}`);
      framed.close();
      return undefined;
    } finally {
      this.#pending.delete(framed);
    }
  }

  /**
   * Dials `addr` and runs the handshake; undefined (socket closed) when
   * `cancelled()` says the result is no longer wanted.
   *
   * @throws when connecting or the handshake fails or times out.
   */
  async dial(addr: string, cancelled: () => boolean): Promise<Connected | undefined> {
    const o = this.#options;
    let framed: FramedConnection | undefined;
    // One deadline for connecting and the handshake together.
    const deadline = o.clock() + o.dialTimeoutMs;
    try {
      const { hostname, port } = parseAddress(addr);
      const conn = await withDeadline(
        Deno.connect({ hostname, port, transport: "tcp" }),
        o.dialTimeoutMs,
        (late) => late.close(),
      );
      if (cancelled()) {
        conn.close();
        return undefined;
      }
      framed = this.#framed(conn, false);
      const channel = await this.#withTimeout(
        framed,
        Math.max(1, deadline - o.clock()),
        o.handshake(framed, { initiator: true, local: o.localHello() }),
        o.dialTimeoutMs,
      );
      this.#pending.delete(framed);
      if (cancelled()) {
        framed.close();
        return undefined;
      }
      return { framed, channel };
    } catch (error) {
      if (framed !== undefined) {
        // The socket connected: it is the handshake that failed (unless we gave up on it).
        if (!cancelled()) o.refusals?.countHandshakeFailure("outbound", error);
        this.#pending.delete(framed);
        framed.close();
      }
      throw error;
    }
  }

  #framed(conn: Deno.Conn, inbound: boolean): FramedConnection {
    const o = this.#options;
    // Chat messages are small and latency-bound: never wait to fill a segment.
    if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
    const release = inbound
      ? o.admission.countInbound((conn.remoteAddr as Deno.NetAddr).hostname)
      : undefined;
    const framed = new FramedConnection(conn, {
      frameBytesMax: o.frameBytesMax,
      writeQueueBytesMax: o.writeQueueBytesMax,
      onClose: () => release?.(),
    });
    this.#pending.add(framed);
    return framed;
  }

  /** Races `work` against a timeout that closes the socket (which makes `work` fail). */
  async #withTimeout<T>(
    framed: FramedConnection,
    ms: number,
    work: Promise<T>,
    budgetMs: number = ms,
  ): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        framed.close();
        reject(new Error(`handshake timed out after ${budgetMs} ms`));
      }, ms);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * `hello` telling the dialer where its connection comes from as this side
 * sees it (behind a NAT, its router's address): how a peer learns the address
 * others see. Left out when the socket's address is not one the wire can
 * carry (an IPv6 zone, say).
 */
function withSeen(hello: Hello, framed: FramedConnection): Hello {
  let seen: string;
  try {
    seen = framed.remoteAddr;
  } catch {
    return hello;
  }
  return addressProblem(seen) === undefined ? { ...hello, seen } : hello;
}
