/**
 * The relay's I/O (PROTOCOL.md § Relays): connections whose first frame is a
 * relay frame come here from the listener. A `reserve` connection runs a
 * handshake and stays open as the holder's control channel; a `connect`
 * waits for its target's `accept` on a fresh connection and then the two are
 * spliced frame by frame — the peers' handshake and transport run end to
 * end inside, so the relay carries ciphertext it cannot read. A `dial-back`
 * is answered by dialling the asker's own host. Every decision is the
 * {@linkcode RelayBook}'s; the byte budget is each stream's {@linkcode LinkMeter}.
 *
 * @module
 */

import { LinkMeter } from "../nat/link_meter.ts";
import type { CarriedLink, RelayBook } from "../nat/relay_book.ts";
import {
  decodeRelayFrame,
  encodeRelayFrame,
  RELAY_TOKEN_BYTES,
  type RelayFrame,
} from "../nat/relay_frame.ts";
import type { Channel, Handshake } from "../secure/channel.ts";
import { encodeFrame } from "../wire/frame_codec.ts";
import { bytesToHex } from "../wire/hex.ts";
import type { Hello, PeerId } from "../wire/message.ts";
import { FramedConnection } from "./framed_connection.ts";
import { describe, safeRemote } from "./live_connection.ts";
import { Sleepers } from "./sleepers.ts";
import { withDeadline } from "./with_deadline.ts";

/**
 * How long a dial-back waits for the asking peer's listener to answer. A
 * NAT or firewall drops the SYN without a word, so a private peer's verdict
 * waits this long, and its first relayed link with it; 2.5 s covers one lost
 * SYN (retransmitted after 1 s) on a path of up to 1.5 s round trip.
 */
export const DIAL_BACK_TIMEOUT_MS = 2_500;

/** A reservation holder's control channel, as the book keeps it. */
interface Holder {
  readonly framed: FramedConnection;
  readonly channel: Channel;
}

/** A dialer waiting for its target to accept. */
interface Waiter {
  readonly framed: FramedConnection;
  readonly accepted: (target: Accepted | undefined) => void;
}

/** The target's connection for a stream, and the stream as the book counts it. */
interface Accepted {
  readonly framed: FramedConnection;
  readonly link: CarriedLink;
}

/** Options of {@linkcode RelayServer}. */
export interface RelayServerOptions {
  /** How reservation holders authenticate. */
  readonly handshake: Handshake;
  /** This relay's hello (no `seen`: a reservation is not how a peer learns its address). */
  readonly localHello: () => Hello;
  /** Carries relays, when this node relays (undefined: it only answers dial-backs). */
  readonly book: RelayBook<Holder, Waiter> | undefined;
  /** Largest frame payload. */
  readonly frameBytesMax: number;
  /** How long a dial-back may take to connect. */
  readonly dialTimeoutMs: number;
  /** How long a `reserve` may take to finish its handshake. */
  readonly handshakeTimeoutMs: number;
  /** Monotonic milliseconds. */
  readonly clock: () => number;
  /** A diagnostic line. */
  readonly log: (level: "info" | "debug", text: string) => void;
  /** Dial-backs: this node's own limits even when it relays nothing. */
  readonly dialBacks: Pick<RelayBook<unknown, unknown>, "admitDialBack" | "dialBackDone">;
}

/** Serves relay frames that open connections. */
export class RelayServer {
  readonly #o: RelayServerOptions;
  readonly #open = new Set<FramedConnection>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  /** How to end each carried stream (to evict an idle one). */
  readonly #ends = new Map<CarriedLink, (reason: string) => void>();
  readonly #sleepers = new Sleepers();
  /** Bytes carried for streams so far, both ways (for `/metrics`). */
  bytesRelayed = 0;
  /** Streams carried so far. */
  linksRelayed = 0;

  /** A server with `options`. */
  constructor(options: RelayServerOptions) {
    this.#o = options;
  }

  /** Connections held open here (control channels and carried streams). */
  get connectionCount(): number {
    return this.#open.size;
  }

  /** Closes everything (shutdown). */
  stop(): void {
    this.#sleepers.wakeAll();
    for (const timer of this.#timers) clearTimeout(timer);
    for (const framed of this.#open) framed.close();
    this.#open.clear();
  }

  /** Serves a connection whose first frame was `first` (a relay frame's payload), to its end. */
  async serve(framed: FramedConnection, first: Uint8Array, sourceHost: string): Promise<void> {
    this.#open.add(framed);
    try {
      const frame = decodeRelayFrame(first);
      const book = this.#o.book;
      switch (frame.op) {
        case "dial-back":
          return await this.#dialBack(framed, sourceHost, frame.nonce, frame.port);
        case "reserve":
          if (book === undefined) return await this.#refuse(framed, "not a relay");
          return await this.#holdReservation(book, framed);
        case "connect":
          if (book === undefined) return await this.#refuse(framed, "not a relay");
          return await this.#connect(book, framed, frame.target);
        case "accept":
          if (book === undefined) return await this.#refuse(framed, "not a relay");
          return this.#accept(book, framed, frame.token);
        default:
          return await this.#refuse(framed, `unexpected ${frame.op}`);
      }
    } catch (error) {
      this.#o.log("info", `Relay connection from ${sourceHost} ended: ${describe(error)}`);
      framed.close();
    } finally {
      if (framed.closed) this.#open.delete(framed);
    }
  }

  async #refuse(framed: FramedConnection, reason: string): Promise<void> {
    framed.write(encodeFrame(encodeRelayFrame({ op: "refused", reason })));
    await framed.closeAfterFlush(1_000);
  }

  async #holdReservation(
    book: RelayBook<Holder, Waiter>,
    framed: FramedConnection,
  ): Promise<void> {
    const o = this.#o;
    framed.write(encodeFrame(encodeRelayFrame({ op: "ok" })));
    const channel = await withDeadline(
      o.handshake(framed, { initiator: false, local: o.localHello() }),
      o.handshakeTimeoutMs,
      () => {},
    ).catch((error) => {
      framed.close();
      throw error;
    });
    const id = channel.remote.id;
    const holder: Holder = { framed, channel };
    const send = async (frame: RelayFrame) =>
      framed.write(await channel.seal([encodeRelayFrame(frame)]));
    try {
      if (channel.remote.role !== "peer") {
        await send({ op: "refused", reason: "only peers reserve" });
        return;
      }
      for (let renewal: RelayFrame | undefined = { op: "reserve" }; renewal !== undefined;) {
        if (renewal.op === "reserve") {
          const verdict = book.reserve(id, holder, o.clock());
          if (!verdict.ok) {
            await send({ op: "refused", reason: verdict.reason });
            return;
          }
          verdict.value.replaced?.framed.close();
          await send({ op: "reserved", ttlMs: verdict.value.ttlMs });
        }
        renewal = await this.#nextControlFrame(framed, channel);
      }
    } finally {
      book.release(id, holder);
      await framed.closeAfterFlush(1_000);
    }
  }

  async #nextControlFrame(
    framed: FramedConnection,
    channel: Channel,
  ): Promise<RelayFrame | undefined> {
    const frame = await framed.readFrame();
    if (frame === undefined) return undefined;
    const payloads = await channel.open(frame);
    const last = payloads.at(-1);
    return last === undefined ? undefined : decodeRelayFrame(last);
  }

  async #connect(
    book: RelayBook<Holder, Waiter>,
    framed: FramedConnection,
    target: PeerId,
  ): Promise<void> {
    const o = this.#o;
    const accepted = new Promise<Accepted | undefined>((resolve) => {
      const verdict = book.open(target, { framed, accepted: resolve }, o.clock());
      if (!verdict.ok) {
        resolve(undefined);
        void this.#refuse(framed, verdict.reason);
        return;
      }
      const { token, holder, evicted } = verdict.value;
      if (evicted !== undefined) this.#ends.get(evicted)?.("idle, closed to make room");
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        book.abandon(token);
        resolve(undefined);
      }, book.limits.acceptTimeoutMs);
      this.#timers.add(timer);
      (async () =>
        holder.framed.write(
          await holder.channel.seal([encodeRelayFrame({ op: "incoming", token })]),
        ))()
        .catch(() => {});
    });
    const other = await accepted;
    if (other === undefined) {
      if (!framed.closed) await this.#refuse(framed, `${target.slice(0, 8)} did not answer`);
      return;
    }
    await this.#splice(book, framed, other.framed, other.link);
  }

  #accept(book: RelayBook<Holder, Waiter>, framed: FramedConnection, token: string): void {
    const accepted = book.accept(token, undefined, this.#o.clock());
    if (accepted === undefined) {
      void this.#refuse(framed, "no such stream");
      return;
    }
    accepted.dialer.accepted({ framed, link: accepted.link });
  }

  /** Carries frames both ways until either side ends or a limit is passed. */
  async #splice(
    book: RelayBook<Holder, Waiter>,
    a: FramedConnection,
    b: FramedConnection,
    link: CarriedLink,
  ): Promise<void> {
    const o = this.#o;
    const limits = book.limits;
    this.#open.add(b);
    this.linksRelayed++;
    const meter = new LinkMeter(limits.linkBytesPerSecondMax, limits.linkBytesMax, o.clock());
    // Each end learns where the other's connection comes from: where to punch through to.
    a.write(encodeFrame(encodeRelayFrame({ op: "ok", seen: safeRemote(b) })));
    b.write(encodeFrame(encodeRelayFrame({ op: "ok", seen: safeRemote(a) })));
    let ended = false;
    const end = (reason: string) => {
      if (ended) return;
      ended = true;
      o.log("debug", `Relayed link ended: ${reason}`);
      a.close();
      b.close();
    };
    this.#ends.set(link, end);
    const lifetime = setTimeout(() => end("lifetime over"), limits.linkDurationMsMax);
    this.#timers.add(lifetime);
    const pump = async (from: FramedConnection, to: FramedConnection, direction: 0 | 1) => {
      try {
        for (;;) {
          const frames = await from.readFrames();
          if (frames.length === 0 || ended) return end("closed by a peer");
          let bytes = 0;
          for (const frame of frames) {
            const wire = encodeFrame(frame);
            bytes += wire.length;
            to.write(wire);
          }
          this.bytesRelayed += bytes;
          link.lastActiveMs = o.clock();
          const verdict = meter.charge(direction, bytes, o.clock());
          if (!verdict.ok) return end(verdict.reason);
          await to.flushed();
          if (verdict.pauseMs > 0) await this.#sleepers.sleep(verdict.pauseMs);
        }
      } catch (error) {
        end(describe(error));
      }
    };
    try {
      await Promise.all([pump(a, b, 0), pump(b, a, 1)]);
    } finally {
      clearTimeout(lifetime);
      this.#timers.delete(lifetime);
      this.#open.delete(a);
      this.#open.delete(b);
      book.closeLink(link);
      this.#ends.delete(link);
    }
  }

  async #dialBack(
    framed: FramedConnection,
    host: string,
    nonce: string,
    port: number,
  ): Promise<void> {
    const o = this.#o;
    // Per address asked for, not per host: peers behind one router share its host.
    const admitted = o.dialBacks.admitDialBack(`${host} ${port}`, o.clock());
    if (!admitted.ok) return await this.#refuse(framed, admitted.reason);
    let reached = false;
    try {
      // Only the host the request came from: a dial-back cannot aim this node at a third party.
      const conn = await withDeadline(
        Deno.connect({ hostname: host, port, transport: "tcp" }),
        Math.min(o.dialTimeoutMs, DIAL_BACK_TIMEOUT_MS),
        (late) => late.close(),
      );
      const probe = new FramedConnection(conn, { frameBytesMax: o.frameBytesMax });
      await probe.writeFrame(encodeRelayFrame({ op: "dial-back-probe", nonce }));
      await probe.closeAfterFlush(1_000);
      reached = true;
    } catch (error) {
      o.log("debug", `Dial-back to ${host}:${port} failed: ${describe(error)}`);
    } finally {
      o.dialBacks.dialBackDone();
    }
    framed.write(encodeFrame(encodeRelayFrame({ op: "dial-back-result", reached })));
    await framed.closeAfterFlush(1_000);
  }
}

/** A fresh unguessable stream token or nonce, hex. */
export function randomToken(): string {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(RELAY_TOKEN_BYTES)));
}

export type { Holder as RelayHolder, Waiter as RelayWaiter };
