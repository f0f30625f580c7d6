/**
 * Causal delivery at one peer: the hold-back queue, the history window kept
 * to repair others, and the stamping of the peer's own messages.
 *
 * @module
 */

import { MessageLog } from "../broadcast/message_log.ts";
import { HoldBackQueue, type OfferResult } from "../causal/hold_back_queue.ts";
import type { VectorClock } from "../causal/vector_clock.ts";
import { chatTextHash, redactChat, sameBytes, textHash } from "../wire/chat_text.ts";
import type { Amendment, ChatMessage, PeerId, SeqRange } from "../wire/message.ts";
import type { EmitEvent } from "./_support.ts";
import { chatBytesEstimate } from "./chat_bytes_estimate.ts";
import type { DeliveryOptions, PeerRestore, ResolvedPeerNodeOptions } from "./peer_node_options.ts";
import { sameVersion } from "./equivocation.ts";
import { Redactions } from "./redaction.ts";

const NO_SIGNATURE = new Uint8Array(0);

/** The options {@linkcode Delivery} reads: its own group. */
type DeliveryReads = Pick<ResolvedPeerNodeOptions, keyof DeliveryOptions>;

/** Delivers chat messages in causal order, exactly once, and keeps them for repairs. */
export class Delivery {
  readonly #id: PeerId;
  readonly #emit: EmitEvent;
  readonly #queue: HoldBackQueue<ChatMessage>;
  readonly #history: MessageLog<ChatMessage>;
  readonly #redactions: Redactions;
  readonly #blocked: Set<PeerId>;
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
      // Strangers share one author's fair share of the history (PROTOCOL.md § Peer: dissemination).
      pooled: (author) => author !== id && !isMember(author),
    });
    restoreHistory(this.#history, restore);
    this.#deliveries = restore?.messages.length ?? 0;
    this.#redactions = new Redactions(options.amendedTargetsMax);
    this.#redactions.restore(restore?.messages ?? []);
    this.#blocked = new Set(options.blocked);
  }

  /** The edits and deletes applied here. */
  get redactions(): Redactions {
    return this.#redactions;
  }

  /** Whether `author` is blocked here (local policy: kept and relayed without text). */
  isBlocked(author: PeerId): boolean {
    return this.#blocked.has(author);
  }

  /**
   * Blocks `author`: its messages are kept, served and relayed from now on
   * in the redacted form only, and the ones held lose their text now.
   */
  block(author: PeerId): void {
    if (author === this.#id || this.#blocked.has(author)) return;
    this.#blocked.add(author);
    for (const seq of this.#history.heldSeqs(author)) this.#redact(author, seq);
  }

  /** Stops blocking `author`; what lost its text stays without it. */
  unblock(author: PeerId): void {
    this.#blocked.delete(author);
  }

  /** What this peer passes on of `message`: without its text when its author is blocked. */
  relayForm(message: ChatMessage): ChatMessage {
    return this.#blocked.has(message.author) ? redactChat(message) : message;
  }

  /**
   * Why this peer may not send `amends` now (see `Redactions.problem`), or
   * `undefined`.
   */
  amendmentProblem(amends: Amendment): string | undefined {
    return this.#redactions.problem(
      this.#id,
      amends,
      this.deliveredSeq(this.#id) + 1,
      (seq) => this.#history.get(this.#id, seq),
    );
  }

  /** What has been delivered (or skipped), per author. */
  get delivered(): VectorClock {
    return this.#queue.delivered;
  }

  /**
   * What this peer can serve, per author, in at most `entriesMax` entries: the
   * delivered clock, then authors it no longer tracks (a stranger that made
   * way for another) whose messages its history still holds. Announced in a
   * full `have`, so that neighbours whose messages wait for those authors can
   * still find them.
   */
  servable(entriesMax: number): VectorClock {
    const clock = this.#queue.delivered;
    for (const [author, seq] of this.#history.heldTops()) {
      if (clock.size >= entriesMax) break;
      if (!clock.has(author)) clock.set(author, seq);
    }
    return clock;
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

  /** The messages waiting for their causes, in no particular order. */
  heldMessages(): IterableIterator<ChatMessage> {
    return this.#queue.held();
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
   * {@linkcode Delivery.recordOwn} takes it. With `after` (an own message
   * stamped in the same step and not recorded yet) it is the message that
   * follows that one, so that several can be signed as one batch.
   */
  stampOwn(
    text: string,
    nick: string,
    ts: number,
    amends?: Amendment,
    after?: ChatMessage,
  ): ChatMessage {
    const { seq, clock } = after === undefined
      ? this.#queue.nextStamp(this.#id)
      : stampAfter(after);
    const message = { author: this.#id, seq, clock, nick, text, ts, signature: NO_SIGNATURE };
    return amends === undefined ? message : { ...message, amends };
  }

  /** Records this peer's own message, stamped by `stampOwn`; returns what it released. */
  recordOwn(message: ChatMessage): ChatMessage[] {
    return this.#queue.recordOwn(message);
  }

  /** Hands `messages` to the user, in order, and keeps them for repairs. */
  deliver(messages: readonly ChatMessage[]): void {
    for (const message of messages) {
      // The queue forgets the oldest authors it retired (`retiredAuthorsMax`)
      // and may then release a late copy of one; the history, which
      // remembers every author it logged, is the judge: what it is past was
      // delivered or given up here already.
      if (message.seq <= this.#history.lastSeq(message.author)) continue;
      // A blocked author's message is counted and delivered (what depends on
      // it must not wait for ever) but kept without its text.
      let kept = this.relayForm(message);
      const redact = kept.amends === undefined ? [] : this.#amend(kept);
      // An edit of a deleted message changes nothing and is kept without text.
      if (redact.includes(kept.seq)) kept = redactChat(kept);
      this.#history.add(kept);
      this.#deliveries++;
      this.#emit({ type: "deliver", message: kept });
      for (const seq of redact) if (seq !== kept.seq) this.#redact(kept.author, seq);
    }
  }

  /** Applies an edit or delete about to be delivered: which of its author's messages lose their text. */
  #amend(message: ChatMessage): readonly number[] {
    const author = message.author;
    return this.#redactions.apply(
      message as ChatMessage & { amends: Amendment },
      (seq) => this.#history.get(author, seq),
    ).redact;
  }

  /**
   * A copy of a message delivered here: if this peer holds it without its
   * text for no reason of its own (it came withheld) and the copy carries
   * the text (the same version: the text matches the signed hash), keep
   * the text from now on and say so.
   */
  offerText(copy: ChatMessage): void {
    if (copy.redacted === true || this.#blocked.has(copy.author)) return;
    const held = this.#history.get(copy.author, copy.seq);
    if (held === undefined || held.redacted !== true || !sameVersion(held, copy)) return;
    if (!sameBytes(chatTextHash(held), textHash(copy.text))) return;
    const targetOf = (seq: number) => this.#history.get(copy.author, seq);
    if (this.#redactions.explains(held, targetOf)) return;
    // Only the text is taken, checked against the hash our own verified copy
    // signs: a duplicate reaches here unverified (its body and clock could
    // be anyone's), so the body, clock and signature kept stay ours.
    const { redacted: _redacted, ...signed } = held;
    const restored: ChatMessage = { ...signed, text: copy.text };
    this.#history.replace(copy.author, copy.seq, restored);
    this.#emit({ type: "text-arrived", message: restored });
  }

  /** Keeps `author#seq` without its text from now on, and says so (the store rewrites it). */
  #redact(author: PeerId, seq: number): void {
    const held = this.#history.get(author, seq);
    if (held === undefined || held.redacted === true) return;
    const redacted = redactChat(held);
    this.#history.replace(author, seq, redacted);
    this.#emit({ type: "redact", message: redacted });
  }

  /**
   * Gives up `author`'s history up to `seq`; returns the messages that no
   * longer wait for it. Nothing changes when the queue ignores the skip (one
   * backwards, or of an author it has no room for): a history that skipped
   * alone would refuse those messages when the queue, with room later,
   * delivers them.
   */
  skipTo(author: PeerId, seq: number): ChatMessage[] {
    const before = this.#queue.deliveredSeq(author);
    const released = this.#queue.skipTo(author, seq);
    if (seq <= before || this.#queue.deliveredSeq(author) < seq) return released;
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

/**
 * The stamp of the own message right after `previous`, stamped in the same
 * step: nothing was delivered in between, so only the own entry moves on.
 */
function stampAfter(previous: ChatMessage): { seq: number; clock: Map<string, number> } {
  const seq = previous.seq + 1;
  const clock = new Map(previous.clock);
  clock.set(previous.author, seq);
  return { seq, clock };
}
