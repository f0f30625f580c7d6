/**
 * The window of delivered messages a peer keeps to repair others: what a
 * neighbour lacks is served from here, in delivery order, so it can deliver
 * each message as it arrives.
 *
 * @module
 */

import type { CausalStamp } from "../causal/vector_clock.ts";

/** Options of {@linkcode MessageLog}. */
export interface MessageLogOptions {
  /** Messages kept, all authors together; the oldest go first. Default 10 000. */
  messagesMax?: number;
}

interface AuthorLog<M> {
  /** Highest sequence number no longer held (pruned or never seen). */
  floor: number;
  /** Index into `messages` of the first held message. */
  head: number;
  /** `messages[head + i]` has sequence number `floor + 1 + i`. */
  messages: M[];
  /** Delivery index of each message, parallel to `messages`. */
  order: number[];
}

/**
 * Delivered messages per author, contiguous by sequence number, bounded in
 * total. Every operation costs O(authors + result) at most.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MessageLog } from "./message_log.ts";
 *
 * const log = new MessageLog();
 * log.add({ author: "a", seq: 1, clock: new Map([["a", 1]]) });
 * log.add({ author: "b", seq: 1, clock: new Map([["a", 1], ["b", 1]]) });
 * // What a peer that has a#1 asks for: everything after it, and all of b.
 * const wanted = [{ author: "a", from: 1, to: 9 }, { author: "b", from: 0, to: 9 }];
 * assert.deepEqual(log.collect(wanted, 10).map((m) => m.author), ["b"]);
 * ```
 */
export class MessageLog<M extends CausalStamp = CausalStamp> {
  readonly #messagesMax: number;
  readonly #authors = new Map<string, AuthorLog<M>>();
  /** Messages in delivery order, for pruning the oldest first (stale entries are skipped). */
  #fifo: M[] = [];
  #fifoHead = 0;
  #size = 0;
  #nextOrder = 0;

  /** An empty log. */
  constructor(options: MessageLogOptions = {}) {
    const max = options.messagesMax ?? 10_000;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new RangeError(`Invalid messagesMax: ${max}, expected a positive integer`);
    }
    this.#messagesMax = max;
  }

  /** Messages held. */
  get size(): number {
    return this.#size;
  }

  /**
   * Appends the next delivered message of its author. Its sequence number must
   * follow the last one held (or anything for an author not seen yet: the
   * log then starts there).
   */
  add(message: M): void {
    let log = this.#authors.get(message.author);
    if (log === undefined) {
      log = { floor: message.seq - 1, head: 0, messages: [], order: [] };
      this.#authors.set(message.author, log);
    }
    const top = log.floor + log.messages.length - log.head;
    if (message.seq !== top + 1) {
      throw new RangeError(
        `Cannot log message: ${message.author.slice(0, 8)}#${message.seq} does not follow #${top}`,
      );
    }
    log.messages.push(message);
    log.order.push(this.#nextOrder++);
    this.#fifo.push(message);
    this.#size++;
    while (this.#size > this.#messagesMax) this.#pruneOldest();
  }

  /** The message `author#seq`, if held. */
  get(author: string, seq: number): M | undefined {
    const log = this.#authors.get(author);
    if (log === undefined || seq <= log.floor) return undefined;
    return log.messages[log.head + seq - log.floor - 1];
  }

  /** The highest sequence number of `author` no longer held here (0 when all are). */
  floor(author: string): number {
    return this.#authors.get(author)?.floor ?? 0;
  }

  /**
   * Messages in the given ranges (sequence numbers in (`from`, `to`] per
   * author), as far as held, oldest delivery first, at most `limit`.
   */
  collect(ranges: readonly { author: string; from: number; to: number }[], limit: number): M[] {
    const runs: { log: AuthorLog<M>; from: number; to: number }[] = [];
    for (const { author, from, to } of ranges) {
      const log = this.#authors.get(author);
      if (log !== undefined) runs.push({ log, from: Math.max(from, log.floor), to });
    }
    return this.#merge(runs, limit);
  }

  /**
   * History of `author` up to `seq` is gone (the node skipped it): the log
   * continues after `seq`, dropping anything it held at or below.
   */
  skipTo(author: string, seq: number): void {
    const log = this.#authors.get(author);
    if (log === undefined) {
      this.#authors.set(author, { floor: seq, head: 0, messages: [], order: [] });
      return;
    }
    const top = log.floor + log.messages.length - log.head;
    if (seq <= log.floor) return;
    if (seq >= top) {
      this.#size -= log.messages.length - log.head;
      log.messages = [];
      log.order = [];
      log.head = 0;
    } else {
      const drop = seq - log.floor;
      this.#size -= drop;
      log.head += drop;
    }
    log.floor = seq;
    // What the skip dropped is still listed for pruning; while the log stays
    // under its limit nothing prunes, so let go of it here.
    if (this.#fifo.length - this.#fifoHead > 2 * this.#size + 4096) {
      this.#fifo = this.#fifo.slice(this.#fifoHead).filter((m) => this.get(m.author, m.seq) === m);
      this.#fifoHead = 0;
    }
  }

  /** Merges per-author runs by delivery order: a linear pick over at most `clockEntriesMax` runs. */
  #merge(runs: { log: AuthorLog<M>; from: number; to: number }[], limit: number): M[] {
    const out: M[] = [];
    const cursors = runs.map(({ log, from }) => log.head + from - log.floor);
    const ends = runs.map(({ log, to }) =>
      Math.min(log.messages.length, log.head + to - log.floor)
    );
    while (out.length < limit) {
      let best = -1;
      let bestOrder = Infinity;
      for (let i = 0; i < runs.length; i++) {
        if (cursors[i]! >= ends[i]!) continue;
        const order = runs[i]!.log.order[cursors[i]!]!;
        if (order < bestOrder) {
          bestOrder = order;
          best = i;
        }
      }
      if (best < 0) break;
      out.push(runs[best]!.log.messages[cursors[best]!]!);
      cursors[best]!++;
    }
    return out;
  }

  #pruneOldest(): void {
    while (this.#fifoHead < this.#fifo.length) {
      const oldest = this.#fifo[this.#fifoHead++]!;
      const log = this.#authors.get(oldest.author)!;
      // Stale when a skip already dropped it.
      if (log.messages[log.head] !== oldest) continue;
      log.head++;
      log.floor++;
      this.#size--;
      if (log.head > 1024 && log.head * 2 > log.messages.length) {
        log.messages = log.messages.slice(log.head);
        log.order = log.order.slice(log.head);
        log.head = 0;
      }
      break;
    }
    if (this.#fifoHead > 4096 && this.#fifoHead * 2 > this.#fifo.length) {
      this.#fifo = this.#fifo.slice(this.#fifoHead);
      this.#fifoHead = 0;
    }
  }
}
