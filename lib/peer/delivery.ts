/**
 * Causal delivery at one peer: the hold-back queue, the history window kept
 * to repair others, and the stamping of the peer's own messages.
 *
 * @module
 */

import { MessageLog } from "../broadcast/message_log.ts";
import { HoldBackQueue, type OfferResult } from "../causal/hold_back_queue.ts";
import type { VectorClock } from "../causal/vector_clock.ts";
import type { ChatMessage, PeerId, SeqRange } from "../wire/message.ts";
import type { EmitEvent } from "./_support.ts";
import { chatBytesEstimate } from "./chat_bytes_estimate.ts";
import type { DeliveryOptions, PeerRestore, ResolvedPeerNodeOptions } from "./peer_node_options.ts";

const NO_SIGNATURE = new Uint8Array(0);

/** The options {@linkcode Delivery} reads: its own group. */
type DeliveryReads = Pick<ResolvedPeerNodeOptions, keyof DeliveryOptions>;

/** Delivers chat messages in causal order, exactly once, and keeps them for repairs. */
export class Delivery {
  readonly #id: PeerId;
  readonly #emit: EmitEvent;
  readonly #queue: HoldBackQueue<ChatMessage>;
  readonly #history: MessageLog<ChatMessage>;
  #deliveries: number;

  /**
   * Delivery for the peer `id`, picking up from `options.restore` if given.
   * `isMember` says whether an author is a member of the room: members may
   * always take an author slot, non-members only `strangerAuthorsMax`.
   */
  constructor(
    id: PeerId,
    emit: EmitEvent,
    options: DeliveryReads,
    isMember: (author: PeerId) => boolean = () => true,
  ) {
    this.#id = id;
    this.#emit = emit;
    const restore = options.restore;
    const delivered = new Map<PeerId, number>(restore?.skipped ?? []);
    for (const m of restore?.messages ?? []) delivered.set(m.author, m.seq);
    this.#queue = new HoldBackQueue<ChatMessage>({
      messagesMax: options.holdBackMessagesMax,
      perAuthorMax: options.holdBackPerAuthorMax,
      bytesMax: options.holdBackBytesMax,
      perAuthorBytesMax: options.holdBackPerAuthorBytesMax,
      sizeOf: chatBytesEstimate,
      seqAheadMax: options.seqAheadMax,
      authorsMax: options.authorsMax,
      strangerAuthorsMax: options.strangerAuthorsMax,
      retiredAuthorsMax: options.retiredAuthorsMax,
      isMember,
      reservedAuthor: id,
      delivered,
    });
    this.#history = new MessageLog<ChatMessage>({
      messagesMax: options.historyMessagesMax,
      bytesMax: options.historyBytesMax,
      sizeOf: chatBytesEstimate,
    });
    restoreHistory(this.#history, restore);
    this.#deliveries = restore?.messages.length ?? 0;
  }

  /** What has been delivered (or skipped), per author. */
  get delivered(): VectorClock {
    return this.#queue.delivered;
  }

  /** Messages delivered so far, restored ones included: it moves whenever there is news. */
  get deliveryCount(): number {
    return this.#deliveries;
  }

  /** Messages waiting for their causes. */
  get heldCount(): number {
    return this.#queue.heldCount;
  }

  /** Bytes of the messages waiting for their causes (estimated as for repairs). */
  get heldBytes(): number {
    return this.#queue.heldBytes;
  }

  /** Messages in the history window. */
  get historySize(): number {
    return this.#history.size;
  }

  /** Bytes of the history window (estimated as for repairs). */
  get historyBytes(): number {
    return this.#history.bytes;
  }

  /** How many of `author`'s messages have been delivered (or skipped). */
  deliveredSeq(author: PeerId): number {
    return this.#queue.deliveredSeq(author);
  }

  /** Whether `author`'s message `seq` was delivered or is held. */
  has(author: PeerId, seq: number): boolean {
    return this.#queue.has(author, seq);
  }

  /** The copy of `author#seq` this peer holds (in the history window or held back), if any. */
  copyOf(author: PeerId, seq: number): ChatMessage | undefined {
    return this.#history.get(author, seq) ?? this.#queue.getHeld(author, seq);
  }

  /** Whether `author` is tracked (has a clock entry). */
  knows(author: PeerId): boolean {
    return this.#queue.knows(author);
  }

  /** Whether `author` is tracked or there is room to track it. */
  admits(author: PeerId): boolean {
    return this.#queue.admits(author);
  }

  /** Up to where `author`'s history is proven to exist, by messages held or delivered. */
  provenSeq(author: PeerId): number {
    return this.#queue.provenSeq(author);
  }

  /** Takes in a message from the network. */
  offer(message: ChatMessage): OfferResult<ChatMessage> {
    const result = this.#queue.offer(message);
    this.#reportGivenUp();
    return result;
  }

  /** History of authors without a slot that the last offer gave up, reported like skips. */
  #reportGivenUp(): void {
    for (const { author, seq } of this.#queue.takeGivenUp()) {
      if (this.#history.knows(author)) this.#history.skipTo(author, seq);
      this.#emit({ type: "skip", author, seq });
    }
  }

  /**
   * This peer's own next message, stamped (`seq` and the delivered clock)
   * but not recorded: it is signed and committed to disk before
   * {@linkcode Delivery.recordOwn} takes it.
   */
  stampOwn(text: string, nick: string, ts: number): ChatMessage {
    const { seq, clock } = this.#queue.nextStamp(this.#id);
    return { author: this.#id, seq, clock, nick, text, ts, signature: NO_SIGNATURE };
  }

  /** Records this peer's own message, stamped by `stampOwn`; returns what it released. */
  recordOwn(message: ChatMessage): ChatMessage[] {
    return this.#queue.recordOwn(message);
  }

  /** Hands `messages` to the user, in order, and keeps them for repairs. */
  deliver(messages: readonly ChatMessage[]): void {
    for (const message of messages) {
      this.#history.add(message);
      this.#deliveries++;
      this.#emit({ type: "deliver", message });
    }
  }

  /** Gives up `author`'s history up to `seq`; returns the messages that no longer wait for it. */
  skipTo(author: PeerId, seq: number): ChatMessage[] {
    const released = this.#queue.skipTo(author, seq);
    this.#history.skipTo(author, seq);
    this.#emit({ type: "skip", author, seq });
    this.#reportGivenUp();
    return released;
  }

  /** The highest of `author`'s sequence numbers no longer in the history window (0 when all are). */
  historyFloor(author: PeerId): number {
    return this.#history.floor(author);
  }

  /** The history's messages in `ranges`, at most `max`. */
  collect(ranges: readonly SeqRange[], max: number): ChatMessage[] {
    return this.#history.collect(ranges, max);
  }
}

function restoreHistory(history: MessageLog<ChatMessage>, restore: PeerRestore | undefined): void {
  for (const [author, seq] of restore?.skipped ?? []) history.skipTo(author, seq);
  for (const m of restore?.messages ?? []) history.add(m);
}
