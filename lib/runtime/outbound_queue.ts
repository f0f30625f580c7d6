/**
 * What the actor's sends go through on their way to the socket: encoded once
 * however many connections a flood sends one message to, queued per
 * connection, then sealed and written in batches — one seal and one write for
 * everything a turn of the event loop queued on a connection. Chat goes out
 * exactly as the actor holds it: own messages were signed and stored before
 * they were published, and are never signed again here.
 *
 * @module
 */

import type { MessageCounts } from "./message_counts.ts";
import { isSignableStatus, type MemberAuthenticator } from "../secure/member_signature.ts";
import { encodeMessage } from "../wire/message_encode.ts";
import type { MemberInfo, Message } from "../wire/message.ts";
import { type FramedConnection, WriteQueueFullError } from "./framed_connection.ts";
import { describe, type LiveConnection, safeRemote } from "./live_connection.ts";
import { nextTurn } from "./next_turn.ts";

/** The counters the queue adds to. */
export interface OutboundStats {
  /** Messages handed to connections (after the handshake). */
  messagesSent: number;
  /** Of those, chat messages: the payload-carrying sends. */
  chatSends: number;
  /** Wire bytes written, prefixes and encryption included. */
  bytesSent: number;
}

/** What the queue needs from the runtime around it. */
export interface OutboundPorts {
  /** Signs this node's own member records (alive, or dead when leaving); none: they go unsigned. */
  readonly memberAuthenticator?: MemberAuthenticator | undefined;
  /** Counters to add to. */
  readonly stats: OutboundStats;
  /** Counts by message type to add to (for `/metrics`); none: not counted. */
  readonly counts?: MessageCounts;
  /** Keeps a background task for `stop` to wait on, logging its failure. */
  track(task: Promise<unknown>): void;
  /** Writing to `live` failed: it is closed; the runtime forgets it and tells the actor. */
  onWriteFailed(
    live: LiveConnection,
    framed: FramedConnection,
    reason: string,
    pathFailed: boolean,
  ): void;
  /** A diagnostic line. */
  log(level: "warn", text: string): void;
}

/** Encodes, queues, seals and writes the actor's sends. */
export class OutboundQueue {
  readonly #ports: OutboundPorts;
  /** The last message encoded in this step, and its payload (a flood repeats one message). */
  #lastMessage: Message | undefined;
  #lastPayload: Uint8Array | Promise<Uint8Array> | undefined;

  /** A queue reporting to `ports`. */
  constructor(ports: OutboundPorts) {
    this.#ports = ports;
  }

  /** Queues `message` on `live` and makes sure a flush will write it. */
  send(live: LiveConnection, message: Message): void {
    // A flood sends one message object to many connections in a row: encode it once.
    if (message !== this.#lastMessage) {
      let payload: Uint8Array | Promise<Uint8Array>;
      try {
        payload = this.#encode(message);
      } catch (error) {
        // An actor bug, not the peer's: drop the message, never the process.
        this.#ports.log("warn", `Not sending a ${message.type} message: ${describe(error)}`);
        return;
      }
      this.#lastMessage = message;
      this.#lastPayload = payload;
    }
    live.outbox.push(this.#lastPayload!);
    const stats = this.#ports.stats;
    stats.messagesSent++;
    if (message.type === "chat") stats.chatSends++;
    const counts = this.#ports.counts;
    if (counts !== undefined) {
      const type = message.type;
      counts.countSent(type);
      if (message.type === "chat" && message.repair === true) counts.repairsSent++;
      const payload = this.#lastPayload!;
      if (payload instanceof Uint8Array) counts.countSentBytes(type, payload.length);
      // A failed encoding is logged where the payload is written.
      else payload.then((bytes) => counts.countSentBytes(type, bytes.length), () => {});
    }
    this.#startFlush(live);
  }

  /** Ends a runtime step: the next step's messages are new objects, the cache is let go. */
  endStep(): void {
    this.#lastMessage = undefined;
    this.#lastPayload = undefined;
  }

  /** Resolves once everything queued on `live` has been sealed and handed to the socket. */
  async drain(live: LiveConnection): Promise<void> {
    for (;;) {
      if (live.flushing !== undefined) await live.flushing;
      else if (live.outbox.length > 0 && !live.framed.closed) this.#startFlush(live);
      else return;
    }
  }

  /** Encodes a message; own member records are signed first (chat comes signed already). */
  #encode(message: Message): Uint8Array | Promise<Uint8Array> {
    const withRecords = this.#signRecords(message);
    if (withRecords !== undefined) return withRecords.then((m) => encodeMessage(m));
    return encodeMessage(message);
  }

  /**
   * The message with this node's own unsigned records signed, or undefined
   * when it carries none: only the member itself may vouch for its
   * incarnation, so it signs every record about itself that it sends.
   */
  #signRecords(message: Message): Promise<Message> | undefined {
    const auth = this.#ports.memberAuthenticator;
    if (auth === undefined) return undefined;
    const needs = (m: MemberInfo) =>
      m.id === auth.selfId && m.signature === undefined && isSignableStatus(m);
    if (message.type === "member" && needs(message.member)) {
      return auth.sign(message.member).then((member) => ({ ...message, member }));
    }
    if (message.type === "peers" && message.peers.some(needs)) {
      return Promise.all(message.peers.map((m) => needs(m) ? auth.sign(m) : m))
        .then((peers) => ({ ...message, peers }));
    }
    return undefined;
  }

  /** Starts the connection's flush unless one is running (it will pick the new payloads up). */
  #startFlush(live: LiveConnection): void {
    if (live.flushing !== undefined) return;
    const flushing = this.#flush(live).finally(() => {
      if (live.flushing === flushing) live.flushing = undefined;
    });
    live.flushing = flushing;
    this.#ports.track(flushing);
  }

  /** Seals the outbox in order and hands the bytes to the socket, until it is empty. */
  async #flush(live: LiveConnection): Promise<void> {
    // Let the current turn queue more, so that one seal and one write carry them all.
    await nextTurn();
    // A link may move to another path between batches: each batch is sealed
    // and written on the one path current when it started.
    let framed = live.framed;
    try {
      while (live.outbox.length > 0) {
        const batch = live.outbox;
        live.outbox = [];
        // Own member records are signed on the way: wait for them, in order.
        const payloads = batch.some((p) => p instanceof Promise)
          ? await Promise.all(batch)
          : batch as Uint8Array[];
        framed = live.framed;
        const sealed = live.channel.seal(payloads);
        const bytes = sealed instanceof Promise ? await sealed : sealed;
        this.#ports.stats.bytesSent += bytes.length;
        framed.write(bytes);
      }
    } catch (error) {
      const tooSlow = error instanceof WriteQueueFullError;
      const reason = tooSlow ? "peer too slow: write queue full" : describe(error);
      this.#ports.log("warn", `Closing connection to ${safeRemote(framed)}: ${reason}`);
      framed.close();
      // A socket that failed may leave another path; a peer too slow to read does not.
      if (tooSlow) live.outbox = [];
      this.#ports.onWriteFailed(live, framed, reason, !tooSlow);
    }
  }
}
