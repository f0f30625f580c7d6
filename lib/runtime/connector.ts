/**
 * Turning a socket into a secure channel, both ways: dialing with one
 * deadline for connecting and the handshake together, and taking an accepted
 * socket through its handshake in time. Sockets in a handshake are tracked
 * here, for the connection limits and for shutdown.
 *
 * @module
 */

import {
  decodeRelayFrame,
  encodeRelayFrame,
  isRelayFrame,
  type RelayFrame,
} from "../nat/relay_frame.ts";
import type { Channel, FrameTransport, Handshake } from "../secure/channel.ts";
import { addressProblem, parseDialAddress } from "../wire/address.ts";
import type { Hello } from "../wire/message.ts";
import type { Admission } from "./admission.ts";
import { FramedConnection } from "./framed_connection.ts";
import {
  PUNCH_TIMEOUT_MS,
  punchAsAcceptor,
  punchAsDialer,
  type PunchOptions,
} from "./hole_punch.ts";
import type { ConnLike } from "./node_socket_conn.ts";
import { encodeFrame } from "../wire/frame_codec.ts";
import type { RefusalCounts } from "./refusal_counts.ts";
import { describe, type LinkPath, safeRemote } from "./live_connection.ts";
import { withDeadline } from "./with_deadline.ts";

/** A socket with its finished handshake. */
export interface Connected {
  readonly framed: FramedConnection;
  readonly channel: Channel;
  /** Whether it runs straight to the remote or through a relay. */
  readonly path: LinkPath;
  /** A punched connection that upgrades a relayed link the two already have (not a new link). */
  readonly upgrade?: boolean;
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
  /** How relayed streams punch through (default: never, PUNCH_TIMEOUT_MS). */
  readonly punch?: PunchOptions | undefined;
  /**
   * Takes an accepted connection whose first frame is a relay frame (its
   * payload `first`; PROTOCOL.md § Relays) instead of a handshake. Default:
   * such connections are closed.
   */
  readonly onRelayFrame?:
    | ((framed: FramedConnection, first: Uint8Array, host: string) => void)
    | undefined;
}

/** Dials and accepts, up to a finished handshake. */
export class Connector {
  readonly #options: ConnectorOptions;
  readonly #punch: PunchOptions;
  /** Sockets not yet handed to the actor (handshakes in progress). */
  readonly #pending = new Set<FramedConnection>();

  /** A connector with `options`. */
  constructor(options: ConnectorOptions) {
    this.#options = options;
    this.#punch = options.punch ?? {
      enabled: false,
      timeoutMs: PUNCH_TIMEOUT_MS,
      freePort: () => 0,
      log: () => {},
    };
  }

  /** Sockets in a handshake now. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Closes every socket still in its handshake (shutdown). */
  closePending(): void {
    for (const socket of this.#pending) socket.close();
  }

  /**
   * Runs an accepted socket's handshake; undefined (logged, socket closed)
   * when it fails, or when the connection is about relaying (handed to
   * `onRelayFrame`).
   */
  async accept(conn: Deno.Conn): Promise<Connected | undefined> {
    const o = this.#options;
    const framed = this.#framed(conn, true);
    const host = (conn.remoteAddr as Deno.NetAddr).hostname;
    try {
      const channel = await this.#withTimeout(
        framed,
        o.handshakeTimeoutMs,
        (async () => {
          const first = await framed.readFrame();
          if (first !== undefined && isRelayFrame(first)) {
            this.#pending.delete(framed);
            if (o.onRelayFrame === undefined) framed.close();
            else o.onRelayFrame(framed, first, host);
            return undefined;
          }
          const local = withSeen(o.localHello(), framed);
          return await o.handshake(replaying(framed, first), { initiator: false, local });
        })(),
      );
      return channel === undefined ? undefined : { framed, channel, path: "direct" };
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
   * Runs the handshake of a relayed stream this side accepted (it dialled the
   * relay, which then carried the dialer's connection here): as an acceptor,
   * but without `seen` (the socket's remote is the relay, not the dialer).
   * When the dialer offered a punch (an upgrade of a link the two have), the
   * handshake runs on the punched connection, marked `upgrade`; an upgrade
   * that did not punch through ends here (undefined, the stream closed).
   *
   * @throws when the handshake fails or times out (the socket is closed).
   */
  async acceptRelayed(
    relayed: FramedConnection,
    otherSeen?: string,
  ): Promise<Connected | undefined> {
    const o = this.#options;
    try {
      return await this.#onRelayed(
        relayed,
        o.handshakeTimeoutMs + this.#punch.timeoutMs,
        async (moveTo) => {
          const { upgrade, conn } = await punchAsAcceptor(relayed, otherSeen, this.#punch);
          if (upgrade && conn === undefined) {
            relayed.close();
            return undefined;
          }
          const framed = conn === undefined ? relayed : moveTo(conn);
          const channel = await o.handshake(framed, { initiator: false, local: o.localHello() });
          return upgrade
            ? { framed, channel, path: "punched", upgrade }
            : { framed, channel, path: "relayed" };
        },
      );
    } catch (error) {
      o.refusals?.countHandshakeFailure("inbound", error);
      throw error;
    }
  }

  /**
   * Runs `work` on a relayed stream within `ms`; `work` may move it to a
   * punched connection with `moveTo`. On failure both are closed; either
   * way, neither counts as in a handshake afterwards.
   */
  async #onRelayed<T>(
    relayed: FramedConnection,
    ms: number,
    work: (moveTo: (punched: ConnLike) => FramedConnection) => Promise<T>,
  ): Promise<T> {
    this.#pending.add(relayed);
    let framed = relayed;
    try {
      return await this.#withTimeout(
        relayed,
        ms,
        work((punched) => (framed = this.#switchTo(relayed, punched))),
      );
    } catch (error) {
      framed.close();
      relayed.close();
      throw error;
    } finally {
      this.#pending.delete(relayed);
      this.#pending.delete(framed);
    }
  }

  /** Leaves the upgrade's relayed stream for the punched connection, which carries it on. */
  #switchTo(relayed: FramedConnection, punched: ConnLike): FramedConnection {
    // The relay carried what it had to (the punch result is flushed); the
    // link's first stream is its fallback, not this one.
    void relayed.closeAfterFlush(1_000);
    this.#pending.delete(relayed);
    return this.#framed(punched as unknown as Deno.Conn, false);
  }

  /** Wraps a socket this side opened (to a relay) for frames, counted as in a handshake. */
  framedOutbound(conn: Deno.Conn): FramedConnection {
    const framed = this.#framed(conn, false);
    this.#pending.delete(framed);
    return framed;
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
    try {
      const { hostname, port, relayFor } = parseDialAddress(addr);
      // One deadline for connecting and the handshake together.
      const budgetMs = o.dialTimeoutMs;
      const deadline = o.clock() + budgetMs;
      const conn = await this.#connect(hostname, port);
      if (cancelled()) {
        conn.close();
        return undefined;
      }
      framed = this.#framed(conn, false);
      let path: LinkPath = "direct";
      const channel = await this.#withTimeout(
        framed,
        Math.max(1, deadline - o.clock()),
        (async () => {
          if (relayFor !== undefined) {
            path = "relayed";
            const seen = await openRelayedStream(framed!, relayFor);
            // The link starts on the relay; punching is an upgrade, later.
            await punchAsDialer(framed!, seen, NO_PUNCH);
          }
          return await o.handshake(framed!, { initiator: true, local: o.localHello() });
        })(),
        budgetMs,
      );
      this.#pending.delete(framed);
      if (cancelled()) {
        framed.close();
        return undefined;
      }
      return { framed, channel, path };
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

  /**
   * Tries to move a relayed link to `addr` (`RELAY/relay/ID`) off its relay:
   * opens a second stream through the relay, punches, and runs the handshake
   * on the punched connection. Undefined (everything closed) when punching is
   * off at either end, does not get through, or `cancelled()` says the result
   * is no longer wanted.
   *
   * @throws when the relay refuses or the handshake fails.
   */
  async upgrade(addr: string, cancelled: () => boolean): Promise<Connected | undefined> {
    const o = this.#options;
    const { hostname, port, relayFor } = parseDialAddress(addr);
    if (relayFor === undefined || !this.#punch.enabled) return undefined;
    const conn = await this.#connect(hostname, port);
    const relayed = this.#framed(conn, false);
    return await this.#onRelayed(
      relayed,
      o.dialTimeoutMs + this.#punch.timeoutMs,
      async (moveTo): Promise<Connected | undefined> => {
        const seen = await openRelayedStream(relayed, relayFor);
        const punched = await punchAsDialer(relayed, seen, this.#punch);
        if (punched === undefined || cancelled()) {
          punched?.close();
          relayed.close();
          return undefined;
        }
        const framed = moveTo(punched);
        const channel = await o.handshake(framed, { initiator: true, local: o.localHello() });
        if (cancelled()) {
          framed.close();
          return undefined;
        }
        return { framed, channel, path: "punched", upgrade: true };
      },
    );
  }

  /** A TCP connection to `hostname:port`, within the dial timeout. */
  #connect(hostname: string, port: number): Promise<Deno.Conn> {
    return withDeadline(
      Deno.connect({ hostname, port, transport: "tcp" }),
      this.#options.dialTimeoutMs,
      (late) => late.close(),
    );
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

/** A relayed link's first stream offers no punch: the link runs on the relay at once. */
const NO_PUNCH: PunchOptions = {
  enabled: false,
  timeoutMs: 0,
  freePort: () => 0,
  log: () => {},
};

/**
 * Asks the relay `framed` is connected to for a stream to `target` and waits
 * for it to be carried.
 *
 * @throws with the relay's reason when it refuses.
 */
async function openRelayedStream(
  framed: FramedConnection,
  target: string,
): Promise<string | undefined> {
  framed.write(encodeFrame(encodeRelayFrame({ op: "connect", target })));
  const answer = await readRelayAnswer(framed);
  if (answer.op !== "ok") {
    throw new Error(`relay refused: ${answer.op === "refused" ? answer.reason : answer.op}`);
  }
  return answer.seen;
}

/** The relay frame that answers a request on `framed`. */
export async function readRelayAnswer(framed: FrameTransport): Promise<RelayFrame> {
  const frame = await framed.readFrame();
  if (frame === undefined) throw new Error("relay closed the connection");
  return decodeRelayFrame(frame);
}

/** `framed` with `first`, already read, put back in front of its frames. */
function replaying(framed: FramedConnection, first: Uint8Array | undefined): FrameTransport {
  let pending = first;
  return {
    readFrame: () => {
      if (pending === undefined) return framed.readFrame();
      const frame = pending;
      pending = undefined;
      return Promise.resolve(frame);
    },
    writeFrame: (payload) => framed.writeFrame(payload),
  };
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
