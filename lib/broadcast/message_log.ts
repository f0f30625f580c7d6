/**
 * The window of delivered messages a peer keeps to repair others: what a
 * neighbour lacks is served from here, in delivery order, so it can deliver
 * each message as it arrives.
 *
 * @module
 */

import type { CausalStamp } from "../causal/vector_clock.ts";

/** Options of {@linkcode MessageLog}. */
export interface MessageLogOptions<M> {
  /**
   * Messages kept, all authors together. Past it the author holding the most
   * loses its oldest, so one author's flood pushes out its own history, never
   * the others'. Default 10 000.
   */
  messagesMax?: number;
  /** Bytes kept (as `sizeOf` counts them), pruned the same way by bytes held. Default: no bound. */
  bytesMax?: number;
  /** What one message costs against `bytesMax`. Default: 0. */
  sizeOf?: (message: M) => number;
  /**
   * Authors that share one fair share between them, as if they were one
   * author (pruned largest first among them): identities are free, so a
   * flood of throwaway authors with one message each must push out their own
   * history, not everyone else's. Default: none.
   */
  pooled?: (author: string) => boolean;
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
  /** Bytes of the held messages (`messages[head..]`). */
  bytes: number;
}

/**
 * Delivered messages per author, contiguous by sequence number, bounded in
 * count and bytes by a fair share: when full, the author holding the most
 * gives up its oldest message (max-min fairness, as a fair queue drops from
 * its longest flow). Every operation costs O(authors + result) at most.
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
  readonly #bytesMax: number;
  readonly #sizeOf: (message: M) => number;
  readonly #pooled: ((author: string) => boolean) | undefined;
  readonly #authors = new Map<string, AuthorLog<M>>();
  #size = 0;
  #bytes = 0;
  #nextOrder = 0;

  /** An empty log. */
  constructor(options: MessageLogOptions<M> = {}) {
    this.#messagesMax = checkPositive("messagesMax", options.messagesMax ?? 10_000);
    this.#bytesMax = checkPositive("bytesMax", options.bytesMax ?? Number.MAX_SAFE_INTEGER);
    this.#sizeOf = options.sizeOf ?? (() => 0);
    this.#pooled = options.pooled;
  }

  /** Messages held. */
  get size(): number {
    return this.#size;
  }

  /** Bytes held, as `sizeOf` counts them. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Messages held of `author`. */
  sizeOf(author: string): number {
    const log = this.#authors.get(author);
    return log === undefined ? 0 : log.messages.length - log.head;
  }

  /**
   * Appends the next delivered message of its author. Its sequence number must
   * follow the last one held (or anything for an author not seen yet: the
   * log then starts there).
   */
  add(message: M): void {
    let log = this.#authors.get(message.author);
    if (log === undefined) {
      log = { floor: message.seq - 1, head: 0, messages: [], order: [], bytes: 0 };
      this.#authors.set(message.author, log);
    }
    const top = topOf(log);
    if (message.seq !== top + 1) {
      throw new RangeError(
        `Cannot log message: ${message.author.slice(0, 8)}#${message.seq} does not follow #${top}`,
      );
    }
    const bytes = this.#sizeOf(message);
    log.messages.push(message);
    log.order.push(this.#nextOrder++);
    log.bytes += bytes;
    this.#size++;
    this.#bytes += bytes;
    while (this.#size > this.#messagesMax) {
      this.#pruneOldestOf(this.#largest((l) => l.messages.length - l.head));
    }
    while (this.#bytes > this.#bytesMax) this.#pruneOldestOf(this.#largest((l) => l.bytes));
  }

  /** The message `author#seq`, if held. */
  get(author: string, seq: number): M | undefined {
    const log = this.#authors.get(author);
    if (log === undefined || seq <= log.floor) return undefined;
    return log.messages[log.head + seq - log.floor - 1];
  }

  /**
   * Replaces the held message `author#seq` with `message` (its redacted
   * form, say), keeping its place in delivery order. Returns whether it was
   * held.
   */
  replace(author: string, seq: number, message: M): boolean {
    const log = this.#authors.get(author);
    if (log === undefined || seq <= log.floor) return false;
    const index = log.head + seq - log.floor - 1;
    const old = log.messages[index];
    if (old === undefined) return false;
    const delta = this.#sizeOf(message) - this.#sizeOf(old);
    log.messages[index] = message;
    log.bytes += delta;
    this.#bytes += delta;
    return true;
  }

  /** Sequence numbers of `author` held, oldest first. */
  heldSeqs(author: string): number[] {
    const log = this.#authors.get(author);
    if (log === undefined) return [];
    return Array.from({ length: log.messages.length - log.head }, (_, i) => log.floor + 1 + i);
  }

  /** Whether `author` has a log here (messages held, or a floor). */
  knows(author: string): boolean {
    return this.#authors.has(author);
  }

  /** The highest sequence number of `author` logged or skipped (0 for an author not seen). */
  lastSeq(author: string): number {
    const log = this.#authors.get(author);
    return log === undefined ? 0 : topOf(log);
  }

  /** Each author with messages held here, and the highest sequence number held; first logged first. */
  *heldTops(): IterableIterator<[author: string, seq: number]> {
    for (const [author, log] of this.#authors) {
      if (log.messages.length > log.head) yield [author, topOf(log)];
    }
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
      this.#authors.set(author, { floor: seq, head: 0, messages: [], order: [], bytes: 0 });
      return;
    }
    const top = topOf(log);
    if (seq <= log.floor) return;
    const drop = Math.min(seq, top) - log.floor;
    for (let i = 0; i < drop; i++) this.#pruneOldestOf(log);
    log.floor = seq;
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

  /**
   * The author log with the most of what `measure` counts, the pooled authors
   * weighing together as one (their largest log gives way when the pool does).
   */
  #largest(measure: (log: AuthorLog<M>) => number): AuthorLog<M> {
    let best: AuthorLog<M> | undefined;
    let bestValue = -1;
    let pooledBest: AuthorLog<M> | undefined;
    let pooledBestValue = -1;
    let pooledTotal = 0;
    for (const [author, log] of this.#authors) {
      const value = measure(log);
      if (this.#pooled?.(author) === true) {
        pooledTotal += value;
        if (value > pooledBestValue) {
          pooledBestValue = value;
          pooledBest = log;
        }
      } else if (value > bestValue) {
        bestValue = value;
        best = log;
      }
    }
    // A tie goes against the pool: a flood gives way first.
    if (pooledBest !== undefined && (best === undefined || pooledTotal >= bestValue)) {
      return pooledBest;
    }
    return best!;
  }

  /** Drops the oldest message `log` holds. */
  #pruneOldestOf(log: AuthorLog<M>): void {
    if (log.head >= log.messages.length) return;
    const bytes = this.#sizeOf(log.messages[log.head]!);
    log.bytes -= bytes;
    this.#bytes -= bytes;
    log.head++;
    log.floor++;
    this.#size--;
    if (log.head === log.messages.length) {
      log.messages = [];
      log.order = [];
      log.head = 0;
    } else if (log.head > 1024 && log.head * 2 > log.messages.length) {
      log.messages = log.messages.slice(log.head);
      log.order = log.order.slice(log.head);
      log.head = 0;
    }
  }
}

function checkPositive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`Invalid ${name}: ${value}, expected a positive integer`);
  }
  return value;
}

/** The highest sequence number an author's log has logged or skipped. */
function topOf(log: { floor: number; head: number; messages: readonly unknown[] }): number {
  return log.floor + log.messages.length - log.head;
}
