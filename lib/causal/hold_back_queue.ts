/**
 * The hold-back queue of causal broadcast (Birman–Schiper–Stephenson): it owns
 * a node's delivered clock and the messages that arrived before their causal
 * predecessors, and releases each message as soon as it becomes deliverable.
 *
 * Held messages are indexed by author and sequence number. Only an author's
 * next message (`seq === delivered[author] + 1`, its "head") can ever be
 * deliverable; a held head that still misses a dependency is parked on the
 * first missing one, `(k, n)`, and re-examined only when `(k, n)` is
 * delivered. Each delivery therefore looks at the author's next message and at
 * the heads parked on it, never at the whole queue.
 *
 * @module
 */

import type { CausalStamp, VectorClock } from "./vector_clock.ts";

/** A message as the queue sees it: author, per-author sequence number and the author's clock at send time. */
export type CausalMessage = CausalStamp;

/**
 * Why `offer()` refused a message:
 * - `"malformed"`: `seq` is not a positive safe integer, or a clock entry is not a non-negative safe integer;
 * - `"inconsistent-clock"`: `clock.get(author) !== seq`;
 * - `"seq-ahead"`: `seq - delivered[author] > seqAheadMax`;
 * - `"author-full"`: the author already has `perAuthorMax` messages held;
 * - `"queue-full"`: `messagesMax` messages are held;
 * - `"author-bytes-full"`: holding it would put the author's held bytes over `perAuthorBytesMax`;
 * - `"queue-bytes-full"`: holding it would put the held bytes over `bytesMax`;
 * - `"authors-full"`: the author is new and the queue already knows `authorsMax` authors
 *   (none of them idle non-members it could let go of), or the author is not a
 *   member, `strangerAuthorsMax` non-members are known and none of them is idle.
 */
export type RejectReason =
  | "malformed"
  | "inconsistent-clock"
  | "seq-ahead"
  | "author-full"
  | "queue-full"
  | "author-bytes-full"
  | "queue-bytes-full"
  | "authors-full";

/**
 * What `offer()` did with a message. `delivered` lists the messages this call
 * delivered, in causal delivery order: the offered one first, then every held
 * message it unblocked, transitively. It is empty unless `status` is
 * `"delivered"`.
 */
export type OfferResult<M> =
  | { readonly status: "delivered"; readonly delivered: readonly M[] }
  | { readonly status: "held"; readonly delivered: readonly M[] }
  | { readonly status: "duplicate"; readonly delivered: readonly [] }
  | { readonly status: "rejected"; readonly reason: RejectReason; readonly delivered: readonly [] };

/** Options of {@linkcode HoldBackQueue}. */
export interface HoldBackQueueOptions<M extends CausalMessage = CausalMessage> {
  /** Most messages held at once, over all authors. @default {10_000} */
  messagesMax?: number;
  /** Most messages held at once for one author. @default {1_000} */
  perAuthorMax?: number;
  /**
   * Most bytes held at once, over all authors, as `sizeOf` counts them: a
   * count bound alone lets large messages hold a lot of memory.
   * @default {Infinity}
   */
  bytesMax?: number;
  /** Most bytes held at once for one author, as `sizeOf` counts them. @default {Infinity} */
  perAuthorBytesMax?: number;
  /** What one held message costs, in bytes (an estimate of its memory). @default {() => 0} */
  sizeOf?: (message: M) => number;
  /** How far a message's `seq` may run ahead of `delivered[author]`; 1 admits only the next one. @default {1_000} */
  seqAheadMax?: number;
  /**
   * Most distinct authors known (delivered or held): the delivered clock never
   * has more entries, so a clock built from it always fits a message.
   * @default {Infinity}
   */
  authorsMax?: number;
  /**
   * An author always admitted and always counted, known or not: the node
   * itself, so that others cannot fill the clock before it first speaks.
   */
  reservedAuthor?: string;
  /** Delivered clock to start from, e.g. one restored after a restart. @default {new Map()} */
  delivered?: VectorClock;
  /**
   * Whether `author` is a member of the room as far as the node knows.
   * Members may always take an author slot: when all are taken, an idle
   * non-member (nothing held, nothing waiting for it) gives up its slot.
   * @default {() => true}
   */
  isMember?: (author: string) => boolean;
  /**
   * Most non-member authors known at once (taken or promised slots).
   * Identities are free, so non-members must not fill the slots members
   * need; but they take turns: a new one takes the slot of the one idle
   * longest. When none is idle a new one is refused, and a message that
   * depends on it gives up its history (see `takeGivenUp`).
   * @default {Infinity}
   */
  strangerAuthorsMax?: number;
  /**
   * Authors that lost their slot (or were never given one) remembered with
   * how far their history was given up, so their old messages are not
   * delivered after what depended on them; the oldest is forgotten first.
   * @default {4_096}
   */
  retiredAuthorsMax?: number;
}

/** The first dependency `(author, seq)` a held head waits for. */
interface Dependency {
  readonly author: string;
  readonly seq: number;
}

const DUPLICATE: OfferResult<never> = Object.freeze({
  status: "duplicate",
  delivered: Object.freeze([]) as readonly [],
});
const HELD: OfferResult<never> = Object.freeze({
  status: "held",
  delivered: Object.freeze([]) as readonly [],
});

function rejected(reason: RejectReason): OfferResult<never> {
  return Object.freeze({ status: "rejected", reason, delivered: Object.freeze([]) as readonly [] });
}

const REJECTED: Readonly<Record<RejectReason, OfferResult<never>>> = Object.freeze({
  "malformed": rejected("malformed"),
  "inconsistent-clock": rejected("inconsistent-clock"),
  "seq-ahead": rejected("seq-ahead"),
  "author-full": rejected("author-full"),
  "queue-full": rejected("queue-full"),
  "author-bytes-full": rejected("author-bytes-full"),
  "queue-bytes-full": rejected("queue-bytes-full"),
  "authors-full": rejected("authors-full"),
});

function isCount(n: unknown): n is number {
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
}

function checkOption(name: string, value: number, min: number, unbounded = false): number {
  if (unbounded && value === Infinity) return value;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(
      `Cannot create hold-back queue: ${name} is ${value}, must be a safe integer >= ${min}`,
    );
  }
  return value;
}

/**
 * Holds back causal messages until their predecessors are delivered, and owns
 * the delivered clock. Duplicate detection needs no extra memory: a message is
 * known when its `seq` is at most `delivered[author]` or it is held.
 *
 * Pure and synchronous: no I/O, timers or randomness.
 */
export class HoldBackQueue<M extends CausalMessage> {
  readonly #messagesMax: number;
  readonly #perAuthorMax: number;
  readonly #seqAheadMax: number;
  readonly #authorsMax: number;
  readonly #bytesMax: number;
  readonly #perAuthorBytesMax: number;
  readonly #sizeOf: (message: M) => number;
  readonly #reservedAuthor: string | undefined;
  /** The delivered clock V. */
  readonly #delivered = new Map<string, number>();
  /** Every author delivered or held: what `authorsMax` counts. */
  readonly #authors = new Set<string>();
  /** Held messages: author → seq → message. Never holds an empty inner map. */
  readonly #held = new Map<string, Map<number, M>>();
  #heldCount = 0;
  /** Bytes held, over all authors and per author (as `sizeOf` counts them). */
  #heldBytes = 0;
  readonly #heldBytesBy = new Map<string, number>();
  /** Parked heads: dependency author → dependency seq → authors whose head waits for it. */
  readonly #waiters = new Map<string, Map<number, Set<string>>>();
  /** Author → the dependency its held head is parked on. */
  readonly #parkedOn = new Map<string, Dependency>();
  readonly #isMember: (author: string) => boolean;
  readonly #strangerAuthorsMax: number;
  readonly #retiredAuthorsMax: number;
  /** Authors known that were not members when they took their slot; least recently active first. */
  readonly #strangers = new Set<string>();
  /**
   * Strangers that held messages wait for but that have no slot yet: each is
   * promised one (counted as taken), so it is never refused when its message
   * comes and what waits for it cannot wait for ever.
   */
  readonly #promised = new Set<string>();
  /** Authors without a slot → how far their history was given up; oldest first. */
  readonly #retired = new Map<string, number>();
  /** History given up since the last `takeGivenUp()`, in order. */
  #givenUp: Dependency[] = [];
  /** Authors whose parked head waited for history just given up: to examine again at the next release. */
  #unblocked: string[] = [];

  /** Creates an empty queue; see {@linkcode HoldBackQueueOptions} for the limits. */
  constructor(options: HoldBackQueueOptions<M> = {}) {
    this.#messagesMax = checkOption("messagesMax", options.messagesMax ?? 10_000, 0);
    this.#perAuthorMax = checkOption("perAuthorMax", options.perAuthorMax ?? 1_000, 0);
    this.#seqAheadMax = checkOption("seqAheadMax", options.seqAheadMax ?? 1_000, 1);
    this.#authorsMax = checkOption("authorsMax", options.authorsMax ?? Infinity, 1, true);
    this.#bytesMax = checkOption("bytesMax", options.bytesMax ?? Infinity, 1, true);
    this.#perAuthorBytesMax = checkOption(
      "perAuthorBytesMax",
      options.perAuthorBytesMax ?? Infinity,
      1,
      true,
    );
    this.#sizeOf = options.sizeOf ?? (() => 0);
    this.#reservedAuthor = options.reservedAuthor;
    this.#isMember = options.isMember ?? (() => true);
    this.#strangerAuthorsMax = checkOption(
      "strangerAuthorsMax",
      options.strangerAuthorsMax ?? Infinity,
      0,
      true,
    );
    this.#retiredAuthorsMax = checkOption(
      "retiredAuthorsMax",
      options.retiredAuthorsMax ?? 4_096,
      0,
    );
    for (const [author, n] of options.delivered ?? []) {
      if (!isCount(n)) {
        throw new RangeError(
          `Cannot create hold-back queue: delivered entry ${
            JSON.stringify(author)
          } is ${n}, must be a non-negative safe integer`,
        );
      }
      if (n <= 0) continue;
      // A clock built from the delivered one must fit a message: what a
      // restored state holds beyond the slots is remembered as given up.
      if (this.#authors.size + 1 < this.#authorsMax || author === this.#reservedAuthor) {
        this.#delivered.set(author, n);
        this.#authors.add(author);
      } else {
        this.#retire(author, n);
      }
    }
  }

  /**
   * Offers a message received from the network. It is delivered (with every
   * held message it unblocks), held until its predecessors arrive, recognised
   * as a duplicate, or rejected; see {@linkcode OfferResult}.
   */
  offer(message: M): OfferResult<M> {
    const { author, seq, clock } = message;
    if (typeof author !== "string" || !Number.isSafeInteger(seq) || seq < 1) {
      return REJECTED["malformed"];
    }
    const last = this.#lastOf(author);
    if (seq <= last) return DUPLICATE;
    const queue = this.#held.get(author);
    if (queue !== undefined && queue.has(seq)) return DUPLICATE;
    if (clock.get(author) !== seq) return REJECTED["inconsistent-clock"];
    if (seq - last > this.#seqAheadMax) return REJECTED["seq-ahead"];
    if (!this.admits(author)) return REJECTED["authors-full"];
    for (const n of clock.values()) {
      if (!isCount(n)) return REJECTED["malformed"];
    }

    const isHead = seq === last + 1;
    if (isHead && !this.#waitsForHistory(message)) {
      this.#track(author);
      const delivered: M[] = [];
      this.#deliver(message, delivered);
      return { status: "delivered", delivered };
    }

    if ((queue?.size ?? 0) >= this.#perAuthorMax) return REJECTED["author-full"];
    if (this.#heldCount >= this.#messagesMax) return REJECTED["queue-full"];
    const size = this.#sizeOf(message);
    const authorBytes = this.#heldBytesBy.get(author) ?? 0;
    if (authorBytes + size > this.#perAuthorBytesMax) return REJECTED["author-bytes-full"];
    if (this.#heldBytes + size > this.#bytesMax) return REJECTED["queue-bytes-full"];
    // Its own slot before any promised to a stranger it waits for: that must not take the last one.
    this.#track(author);
    const dependency = isHead ? this.#missingDependency(message) : undefined;
    if (isHead && dependency === undefined) {
      // All it waited for was history given up: it is deliverable after all.
      const delivered: M[] = [];
      this.#deliver(message, delivered);
      return { status: "delivered", delivered };
    }
    if (queue === undefined) this.#held.set(author, new Map([[seq, message]]));
    else queue.set(seq, message);
    this.#heldCount++;
    this.#heldBytes += size;
    this.#heldBytesBy.set(author, authorBytes + size);
    if (dependency !== undefined) this.#park(author, dependency);
    if (this.#unblocked.length === 0) return HELD;
    // Giving up a dependency of this message unblocked others held before it.
    const delivered: M[] = [];
    this.#release([], delivered);
    return delivered.length === 0 ? HELD : { status: "held", delivered };
  }

  /**
   * Records a message the local author just sent: it is delivered at once, by
   * definition. Returns the held messages this unblocked, in delivery order.
   * Throws a `RangeError` unless `seq === delivered[author] + 1` and the rest
   * of its clock is already delivered, or a `TypeError` if
   * `clock.get(author) !== seq`.
   */
  recordOwn(message: M): M[] {
    const { author, seq, clock } = message;
    const last = this.#delivered.get(author) ?? 0;
    if (seq !== last + 1) {
      throw new RangeError(`Cannot record own message: seq ${seq} is not ${last + 1}`);
    }
    if (clock.get(author) !== seq) {
      throw new TypeError(
        `Cannot record own message: clock entry ${clock.get(author)} differs from seq ${seq}`,
      );
    }
    const dependency = this.#missingDependency(message);
    if (dependency !== undefined) {
      throw new RangeError(
        `Cannot record own message: it depends on ${
          JSON.stringify(dependency.author)
        } ${dependency.seq}, which is not delivered`,
      );
    }
    // A copy of this (author, seq) that came back from the network is now a duplicate.
    const queue = this.#held.get(author);
    const copy = queue?.get(seq);
    if (queue !== undefined && copy !== undefined) {
      queue.delete(seq);
      this.#forget(copy);
      if (queue.size === 0) this.#held.delete(author);
      this.#unpark(author);
    }
    const delivered: M[] = [];
    this.#deliver(message, delivered);
    return delivered.slice(1);
  }

  /**
   * Returns the `seq` and clock for `author`'s next own message: the delivered
   * clock with `author`'s entry incremented. Pass the message to `recordOwn()`.
   */
  nextStamp(author: string): { seq: number; clock: Map<string, number> } {
    const seq = (this.#delivered.get(author) ?? 0) + 1;
    const clock = new Map(this.#delivered);
    clock.set(author, seq);
    return { seq, clock };
  }

  /**
   * Whether `author` may enter the queue: it is already known, reserved or
   * promised a slot, or there is room for it (under `authorsMax` and, for a
   * non-member, `strangerAuthorsMax`), or an idle author can make way.
   */
  admits(author: string): boolean {
    return this.#admits(author);
  }

  /** `admits(author)`, where making room must not take the slot of `keep`. */
  #admits(author: string, keep?: string): boolean {
    if (this.#authors.has(author) || author === this.#reservedAuthor) return true;
    if (this.#promised.has(author)) return true;
    const stranger = !this.#isMember(author);
    return !this.#noRoomFor(stranger) || this.#idleFor(stranger, keep) !== undefined;
  }

  /**
   * Whether a new author needs another's slot: every slot is taken, or, for a
   * stranger, `strangerAuthorsMax` strangers hold one.
   */
  #noRoomFor(stranger: boolean): boolean {
    return (stranger && this.#strangerCount() >= this.#strangerAuthorsMax) || this.#authorsFull();
  }

  /**
   * Who makes way for a new author (never `keep`): for a stranger, the
   * stranger idle longest (strangers take turns, so every author is heard in
   * time while no more than `strangerAuthorsMax` hold a slot); for a member,
   * the non-member idle longest.
   */
  #idleFor(stranger: boolean, keep?: string): string | undefined {
    return stranger ? this.#idleStranger(keep) : this.#idleNonMember(keep);
  }

  /** Frees a slot for a new author if it needs one (`#admits` said there is one to free). */
  #makeRoomFor(stranger: boolean, keep?: string): void {
    if (!this.#noRoomFor(stranger)) return;
    const idle = this.#idleFor(stranger, keep);
    if (idle !== undefined) this.#release1(idle);
  }

  /** Whether every author slot is taken or promised (one kept for the reserved author until it speaks). */
  #authorsFull(): boolean {
    const reserved = this.#reservedAuthor;
    const reservedSlot = reserved !== undefined && !this.#authors.has(reserved) ? 1 : 0;
    return this.#authors.size + this.#promised.size + reservedSlot >= this.#authorsMax;
  }

  /**
   * The history given up since the last call, oldest first: dependencies on
   * authors this queue has no slot for, taken as delivered so that what
   * depends on them is not held forever. Report each like a skip.
   */
  takeGivenUp(): { author: string; seq: number }[] {
    const givenUp = this.#givenUp;
    this.#givenUp = [];
    return givenUp;
  }

  /** Authors given up and remembered (bounded by `retiredAuthorsMax`). */
  get retiredCount(): number {
    return this.#retired.size;
  }

  /** Whether any message of `author` has been delivered, skipped or held. */
  knows(author: string): boolean {
    return this.#authors.has(author);
  }

  /**
   * The highest sequence number of `author` that held messages prove was
   * sent without this node having it: one below its lowest held message, or
   * what a parked message of another author waits for. 0 if none.
   */
  provenSeq(author: string): number {
    let proven = 0;
    const queue = this.#held.get(author);
    if (queue !== undefined) {
      let lowest = Infinity;
      for (const seq of queue.keys()) if (seq < lowest) lowest = seq;
      proven = lowest - 1;
    }
    for (const needed of this.#waiters.get(author)?.keys() ?? []) {
      if (needed > proven) proven = needed;
    }
    return proven;
  }

  /** The held message `author#seq`, if held. */
  getHeld(author: string, seq: number): M | undefined {
    return this.#held.get(author)?.get(seq);
  }

  /** Reports whether `(author, seq)` is known: already delivered or held. This is the broadcast dedup. */
  has(author: string, seq: number): boolean {
    return seq <= this.#lastOf(author) || (this.#held.get(author)?.has(seq) ?? false);
  }

  /** A copy of the delivered clock. */
  get delivered(): Map<string, number> {
    return new Map(this.#delivered);
  }

  /** The number of `author`'s messages delivered, i.e. `delivered[author]`, without copying the clock. */
  deliveredSeq(author: string): number {
    return this.#lastOf(author);
  }

  /** The number of messages held, over all authors. */
  get heldCount(): number {
    return this.#heldCount;
  }

  /** The bytes held, over all authors, as `sizeOf` counts them. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  /** The bytes of `author`'s messages held, as `sizeOf` counts them. */
  heldBytesBy(author: string): number {
    return this.#heldBytesBy.get(author) ?? 0;
  }

  /** The number of `author`'s messages held. */
  heldBy(author: string): number {
    return this.#held.get(author)?.size ?? 0;
  }

  /** Iterates over the held messages, in no particular order. */
  *held(): IterableIterator<M> {
    for (const queue of this.#held.values()) yield* queue.values();
  }

  /**
   * Forgets every held message of `author` (e.g. a banned or departed peer);
   * its delivered entry stays. Returns the number of messages dropped.
   */
  dropAuthor(author: string): number {
    const queue = this.#held.get(author);
    if (queue === undefined) return 0;
    this.#held.delete(author);
    this.#heldCount -= queue.size;
    this.#heldBytes -= this.#heldBytesBy.get(author) ?? 0;
    this.#heldBytesBy.delete(author);
    this.#unpark(author);
    if (!this.#delivered.has(author)) this.#authors.delete(author);
    return queue.size;
  }

  /**
   * Moves `delivered[author]` forward to `seq` without delivering what lies
   * between: that history is gone (pruned everywhere this node can reach), so
   * waiting for it would block every later message forever. Held messages of
   * `author` up to `seq` are dropped; returns what the jump releases, in
   * delivery order. A jump backwards is ignored, and so is one of a new author
   * the queue has no room for (see `authorsMax`).
   */
  skipTo(author: string, seq: number): M[] {
    if (!isCount(seq)) {
      throw new RangeError(`Cannot skip: seq ${seq} is not a non-negative safe integer`);
    }
    const last = this.#lastOf(author);
    if (seq <= last || !this.admits(author)) return [];
    this.#track(author);
    this.#delivered.set(author, seq);
    const ready: string[] = [];
    const queue = this.#held.get(author);
    if (queue !== undefined) {
      for (const [held, message] of [...queue]) {
        if (held <= seq) {
          queue.delete(held);
          this.#forget(message);
        }
      }
      this.#unpark(author);
      if (queue.size === 0) this.#held.delete(author);
      else ready.push(author);
    }
    const bySeq = this.#waiters.get(author);
    if (bySeq !== undefined) {
      for (const [needed, parked] of [...bySeq]) {
        if (needed > seq) continue;
        bySeq.delete(needed);
        for (const waiter of parked) {
          this.#parkedOn.delete(waiter);
          ready.push(waiter);
        }
      }
      if (bySeq.size === 0) this.#stopWaitingFor(author);
    }
    const delivered: M[] = [];
    this.#release(ready, delivered);
    return delivered;
  }

  /** Takes a message that just left the held maps out of the counts. */
  #forget(message: M): void {
    this.#heldCount--;
    const size = this.#sizeOf(message);
    this.#heldBytes -= size;
    const left = (this.#heldBytesBy.get(message.author) ?? 0) - size;
    if (left > 0) this.#heldBytesBy.set(message.author, left);
    else this.#heldBytesBy.delete(message.author);
  }

  /** Whether an entry of `message.clock`, other than its author's, is not delivered yet. */
  #waitsForHistory(message: M): boolean {
    for (const [author, seq] of message.clock) {
      if (author !== message.author && seq > this.#lastOf(author)) return true;
    }
    return false;
  }

  /**
   * The first entry of `message.clock`, other than its author's, that is not
   * yet delivered. A dependency on a non-member with no slot here is waited
   * for only with a slot promised to it now (a slot that might be gone when
   * its message comes would leave `message` waiting for ever); with no room
   * for one, it is given up instead: its messages could never be delivered.
   */
  #missingDependency(message: M): Dependency | undefined {
    for (const [author, seq] of message.clock) {
      if (author === message.author || seq <= this.#lastOf(author)) continue;
      if (this.#authors.has(author) || this.#isMember(author) || this.#promised.has(author)) {
        return { author, seq };
      }
      if (this.#admits(author, message.author)) {
        this.#promise(author, message.author);
        return { author, seq };
      }
      this.#retire(author, seq);
      this.#givenUp.push({ author, seq });
      this.#unparkGivenUp(author, seq);
    }
    return undefined;
  }

  /**
   * History of `author` up to `seq` was just given up (taken as delivered):
   * heads parked on it earlier, while it still had a slot to wait for, would
   * otherwise wait for ever, since nothing delivers a given-up message.
   */
  #unparkGivenUp(author: string, seq: number): void {
    const bySeq = this.#waiters.get(author);
    if (bySeq === undefined) return;
    for (const [needed, parked] of [...bySeq]) {
      if (needed > seq) continue;
      bySeq.delete(needed);
      for (const waiter of parked) {
        this.#parkedOn.delete(waiter);
        this.#unblocked.push(waiter);
      }
    }
    if (bySeq.size === 0) this.#stopWaitingFor(author);
  }

  /** What of `author` counts as delivered: its entry, or how far a retired author was given up. */
  #lastOf(author: string): number {
    return this.#delivered.get(author) ?? this.#retired.get(author) ?? 0;
  }

  /** Gives `author` a slot if it has none (admits() said yes): frees one if needed, resumes a retired author. */
  #track(author: string): void {
    if (this.#authors.has(author)) return;
    const reserved = this.#reservedAuthor;
    const stranger = author !== reserved && !this.#isMember(author);
    // A promised slot was set aside when a held message started waiting for it.
    if (!this.#promised.delete(author) && author !== reserved) this.#makeRoomFor(stranger);
    const floor = this.#retired.get(author);
    if (floor !== undefined) {
      this.#retired.delete(author);
      this.#delivered.set(author, floor);
    }
    this.#authors.add(author);
    if (stranger) this.#strangers.add(author);
  }

  /** Sets a slot aside for the stranger `author`, which `#admits(author, keep)` allowed. */
  #promise(author: string, keep: string): void {
    this.#makeRoomFor(true, keep);
    this.#promised.add(author);
  }

  /** Nothing waits for `author` any more: a slot promised to it is given back. */
  #stopWaitingFor(author: string): void {
    this.#waiters.delete(author);
    this.#promised.delete(author);
  }

  /** Takes the slot of an idle author, remembering how far it was delivered. */
  #release1(author: string): void {
    this.#retire(author, this.#delivered.get(author) ?? 0);
    this.#delivered.delete(author);
    this.#authors.delete(author);
    this.#strangers.delete(author);
  }

  /** Remembers `author` (no slot) as given up to `seq`; the oldest is forgotten past the bound. */
  #retire(author: string, seq: number): void {
    this.#retired.delete(author);
    if (this.#retiredAuthorsMax === 0) return;
    this.#retired.set(author, Math.max(seq, 0));
    if (this.#retired.size > this.#retiredAuthorsMax) {
      this.#retired.delete(this.#retired.keys().next().value!);
    }
  }

  /** The least recently active known author that is not a member, holds nothing and is waited for by nothing. */
  #idleNonMember(keep?: string): string | undefined {
    for (const author of this.#authors) {
      if (author === this.#reservedAuthor || author === keep || this.#held.has(author)) continue;
      if (this.#waiters.has(author) || this.#isMember(author)) continue;
      return author;
    }
    return undefined;
  }

  /** The stranger active least recently that is still not a member, holds nothing and is waited for by nothing. */
  #idleStranger(keep?: string): string | undefined {
    for (const author of this.#strangers) {
      if (author === keep || this.#held.has(author) || this.#waiters.has(author)) continue;
      if (!this.#authors.has(author) || this.#isMember(author)) continue;
      return author;
    }
    return undefined;
  }

  /** Strangers with a slot that are still not members, and slots promised to strangers. */
  #strangerCount(): number {
    if (this.#strangers.size + this.#promised.size >= this.#strangerAuthorsMax) {
      for (const author of this.#strangers) {
        if (this.#isMember(author) || !this.#authors.has(author)) this.#strangers.delete(author);
      }
    }
    return this.#strangers.size + this.#promised.size;
  }

  /** Delivers `first` (already removed from the queue) and then every head it transitively unblocks. */
  #deliver(first: M, delivered: M[]): void {
    const ready: string[] = [];
    this.#advance(first, delivered, ready);
    this.#release(ready, delivered);
  }

  /** Delivers the heads of the `ready` authors and everything they transitively unblock. */
  #release(ready: string[], delivered: M[]): void {
    const next = () => ready.pop() ?? this.#unblocked.pop();
    for (let author = next(); author !== undefined; author = next()) {
      // Guard: a parked head still misses its dependency (parks are lifted when
      // it is delivered), so it must not be examined or parked twice.
      if (this.#parkedOn.has(author)) continue;
      const queue = this.#held.get(author);
      if (queue === undefined) continue;
      const seq = (this.#delivered.get(author) ?? 0) + 1;
      const head = queue.get(seq);
      if (head === undefined) continue;
      const dependency = this.#missingDependency(head);
      if (dependency !== undefined) {
        this.#park(author, dependency);
        continue;
      }
      queue.delete(seq);
      if (queue.size === 0) this.#held.delete(author);
      this.#forget(head);
      this.#advance(head, delivered, ready);
    }
  }

  /** Marks `message` delivered and queues for re-examination the heads it may unblock. */
  #advance(message: M, delivered: M[], ready: string[]): void {
    const { author, seq } = message;
    this.#delivered.set(author, seq);
    // Most recently active last: the slot to free is the one idle longest.
    this.#authors.delete(author);
    this.#authors.add(author);
    if (this.#strangers.delete(author)) this.#strangers.add(author);
    delivered.push(message);
    if (this.#held.has(author)) ready.push(author);
    const bySeq = this.#waiters.get(author);
    if (bySeq === undefined) return;
    const parked = bySeq.get(seq);
    if (parked === undefined) return;
    bySeq.delete(seq);
    if (bySeq.size === 0) this.#stopWaitingFor(author);
    for (const waiter of parked) {
      this.#parkedOn.delete(waiter);
      ready.push(waiter);
    }
  }

  /** Parks `author`'s held head until `dependency` is delivered. */
  #park(author: string, dependency: Dependency): void {
    this.#parkedOn.set(author, dependency);
    let bySeq = this.#waiters.get(dependency.author);
    if (bySeq === undefined) {
      bySeq = new Map();
      this.#waiters.set(dependency.author, bySeq);
    }
    const parked = bySeq.get(dependency.seq);
    if (parked === undefined) bySeq.set(dependency.seq, new Set([author]));
    else parked.add(author);
  }

  /** Lifts the park of `author`'s head, if any. */
  #unpark(author: string): void {
    const dependency = this.#parkedOn.get(author);
    if (dependency === undefined) return;
    this.#parkedOn.delete(author);
    const bySeq = this.#waiters.get(dependency.author);
    const parked = bySeq?.get(dependency.seq);
    if (bySeq === undefined || parked === undefined) return;
    parked.delete(author);
    if (parked.size > 0) return;
    bySeq.delete(dependency.seq);
    if (bySeq.size === 0) this.#stopWaitingFor(dependency.author);
  }
}
