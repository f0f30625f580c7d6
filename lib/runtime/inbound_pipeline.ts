/**
 * What a received frame goes through before the actor sees it, in order:
 * open (decrypt), rate limit, decode and validate, seen? (duplicates of chat
 * already delivered or held go on unchecked: the actor drops them and only
 * learns that the link carried a copy), verify the author's signature. One
 * pipeline per connection; it ends the connection with a
 * {@linkcode ProtocolError} when the remote breaks the rules.
 *
 * @module
 */

import type { Offence } from "../actor/offence.ts";
import type { Channel } from "../secure/channel.ts";
import type { ChatAuthenticator } from "../secure/chat_authenticator.ts";
import type { MemberAuthenticator } from "../secure/member_signature.ts";
import { decodeMessage } from "../wire/message_decode.ts";
import type { ChatMessage, Message } from "../wire/message.ts";
import { ProtocolError } from "../wire/protocol_error.ts";
import type { WireLimits } from "../wire/wire_limits.ts";
import type { MessageCounts } from "./message_counts.ts";
import { TokenBucket } from "./rate_limiter.ts";
import type { Limiter } from "./refusal_counts.ts";

/** The counters the pipeline adds to. */
export interface InboundStats {
  /** Wire bytes of the frames received. */
  bytesReceived: number;
  /** Chat messages (and member records) dropped because their signature did not verify. */
  forgeries: number;
}

/** Options of {@linkcode InboundPipeline}. */
export interface InboundPipelineOptions {
  /** Wire limits every message is decoded under. */
  readonly limits: WireLimits;
  /** Messages a second the connection may send on average (bursts up to the same number). */
  readonly messagesPerSecondMax: number;
  /** Wire bytes a second the connection may send on average (bursts up to the same number). */
  readonly bytesPerSecondMax: number;
  /** Forged or altered messages the connection may bring before it is closed. */
  readonly offencesMax: number;
  /** Verifies others' chat (secure rooms); none: chat is taken as it comes. */
  readonly authenticator: ChatAuthenticator | undefined;
  /** Checks the member records' own signatures; none: records are taken as they come. */
  readonly memberAuthenticator?: MemberAuthenticator | undefined;
  /** Whether a chat message would be new to the actor: only new ones are verified. */
  readonly isNewChat: ((message: ChatMessage) => boolean) | undefined;
  /** Monotonic milliseconds, for the rate limit. */
  readonly clock: () => number;
  /** Counters to add to. */
  readonly stats: InboundStats;
  /** A dropped forgery that does not yet close the connection (to log and report). */
  readonly onForgery: () => void;
  /** Adds the decoded bytes of each message by type. Default: not counted. */
  readonly counts?: MessageCounts | undefined;
  /** The connection is being closed because it went over `limiter`. Default: nothing. */
  readonly onLimit?: ((limiter: Limiter) => void) | undefined;
}

/** Turns one connection's frames into checked messages, in order. */
export class InboundPipeline {
  readonly #channel: Channel;
  readonly #options: InboundPipelineOptions;
  readonly #rate: TokenBucket;
  readonly #byteRate: TokenBucket;
  #offences = 0;
  #closingOffence: Offence | undefined;

  /** A pipeline for the frames of `channel`. */
  constructor(channel: Channel, options: InboundPipelineOptions) {
    this.#channel = channel;
    this.#options = options;
    const perSecond = options.messagesPerSecondMax;
    this.#rate = new TokenBucket(perSecond, perSecond, options.clock());
    const bytesPerSecond = options.bytesPerSecondMax;
    this.#byteRate = new TokenBucket(bytesPerSecond, bytesPerSecond, options.clock());
  }

  /**
   * What the remote was caught at when {@linkcode receive} threw: a flood or
   * one forgery too many (undefined: another protocol error).
   */
  get closingOffence(): Offence | undefined {
    return this.#closingOffence;
  }

  /**
   * Runs the frames of one read through the pipeline and hands each message
   * that passes to `accept`, in order; `accept` returns false to stop (the
   * connection is gone), and so does this.
   *
   * @throws {ProtocolError} when the remote broke the protocol: the connection must close.
   */
  async receive(
    frames: readonly Uint8Array[],
    accept: (message: Message) => boolean,
  ): Promise<boolean> {
    const { stats, limits, messagesPerSecondMax, bytesPerSecondMax, clock } = this.#options;
    // Bytes are counted as they arrive, before any decryption or decoding:
    // a peer that sends few large frames is bounded like one that sends many.
    let bytes = 0;
    for (const frame of frames) bytes += frame.length + 4;
    if (!this.#byteRate.take(clock(), bytes)) {
      this.#closingOffence = "flood";
      this.#options.onLimit?.("bytes_per_second");
      throw new ProtocolError(`Too many bytes: more than ${bytesPerSecondMax} a second`);
    }
    // Open every frame of the read at once (decryption keeps its nonce
    // order: each call takes the next), then decode them all.
    const opened = frames.map((frame) => {
      stats.bytesReceived += frame.length + 4;
      const open = this.#channel.open(frame);
      // If an earlier frame fails, the loop ends before awaiting this one:
      // its rejection must not go unhandled.
      if (open instanceof Promise) open.catch(() => {});
      return open;
    });
    const messages: Message[] = [];
    for (const open of opened) {
      for (const payload of open instanceof Promise ? await open : open) {
        if (!this.#rate.take(clock())) {
          this.#closingOffence = "flood";
          this.#options.onLimit?.("messages_per_second");
          throw new ProtocolError(`Too many messages: more than ${messagesPerSecondMax} a second`);
        }
        const message = decodeMessage(payload, limits);
        if (message.type === "hello") {
          throw new ProtocolError("Unexpected hello: the handshake is over");
        }
        this.#options.counts?.countReceivedBytes(message.type, payload.length);
        messages.push(message);
      }
    }
    // Start every signature check of the read at once (they run in
    // parallel); hand the messages on in order as their checks complete.
    const verifications = messages.map((m) => this.#verification(m));
    for (let i = 0; i < messages.length; i++) {
      const verification = verifications[i];
      if (verification !== undefined && !(await verification)) {
        stats.forgeries++;
        if (++this.#offences >= this.#options.offencesMax) {
          this.#closingOffence = "forgery";
          throw new ProtocolError(
            `Forged or altered messages: ${this.#offences} failed their signature check`,
          );
        }
        this.#options.onForgery();
        continue;
      }
      if (!accept(messages[i]!)) return false;
    }
    return true;
  }

  /**
   * The signature check a received message needs: new chat from others, when
   * chat is authenticated; undefined when it needs none.
   */
  #verification(message: Message): Promise<boolean> | undefined {
    const { authenticator, isNewChat, memberAuthenticator } = this.#options;
    if (memberAuthenticator !== undefined) {
      // A record that claims its member's signature must carry it: a forged
      // one drops the whole message and counts as an offence.
      const records = message.type === "member"
        ? [message.member]
        : message.type === "peers"
        ? message.peers
        : [];
      const signed = records.filter((r) => r.signature !== undefined);
      if (signed.length > 0) {
        return Promise.all(signed.map((r) => memberAuthenticator.verify(r)))
          .then((verdicts) => verdicts.every((ok) => ok));
      }
    }
    if (authenticator === undefined || message.type !== "chat") return undefined;
    if (isNewChat?.(message.message) === false) return undefined;
    return authenticator.verify(message.message);
  }
}
