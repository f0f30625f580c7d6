/**
 * Per-author rates: how many new messages, and how many bytes of them, one
 * author may put into this peer each second. A connection's own rate bounds
 * what one neighbour sends; this bounds what one author costs, whichever
 * neighbours relay it, so a flooding author gets its share of relay
 * bandwidth and no more. A message over the rate is refused like one the
 * hold-back queue has no room for: not delivered, not relayed; repair brings
 * it again later, at the rate.
 *
 * @module
 */

import type { PeerId } from "../wire/message.ts";

/** The limits {@linkcode AuthorRates} applies. */
export interface AuthorRateLimits {
  /** New messages a second per author; bursts up to twice as many. */
  readonly messagesPerSecond: number;
  /** Bytes a second per author (estimated sizes); bursts up to twice as many. */
  readonly bytesPerSecond: number;
  /** Authors whose buckets are kept; the one idle longest is forgotten first (it starts full again). */
  readonly authorsMax: number;
}

interface Bucket {
  messages: number;
  bytes: number;
  atMs: number;
}

/** Token buckets per author, in messages and bytes; bounded in authors. */
export class AuthorRates {
  readonly #limits: AuthorRateLimits;
  /** Author → bucket, least recently used first. */
  readonly #buckets = new Map<PeerId, Bucket>();

  /** Every author starts with a full burst. */
  constructor(limits: AuthorRateLimits) {
    this.#limits = limits;
  }

  /** Authors with a bucket. */
  get size(): number {
    return this.#buckets.size;
  }

  /**
   * Whether a new message of `author` of `bytes` fits its rates at `nowMs`;
   * if it does, it is counted.
   */
  admit(author: PeerId, bytes: number, nowMs: number): boolean {
    const { messagesPerSecond, bytesPerSecond, authorsMax } = this.#limits;
    let bucket = this.#buckets.get(author);
    if (bucket === undefined) {
      bucket = { messages: 2 * messagesPerSecond, bytes: 2 * bytesPerSecond, atMs: nowMs };
      if (this.#buckets.size >= authorsMax) {
        this.#buckets.delete(this.#buckets.keys().next().value!);
      }
    } else {
      this.#buckets.delete(author);
      const elapsedS = Math.max(0, nowMs - bucket.atMs) / 1_000;
      bucket.messages = Math.min(
        2 * messagesPerSecond,
        bucket.messages + elapsedS * messagesPerSecond,
      );
      bucket.bytes = Math.min(2 * bytesPerSecond, bucket.bytes + elapsedS * bytesPerSecond);
      bucket.atMs = Math.max(bucket.atMs, nowMs);
    }
    this.#buckets.set(author, bucket);
    if (bucket.messages < 1 || bucket.bytes < bytes) return false;
    bucket.messages -= 1;
    bucket.bytes -= bytes;
    return true;
  }
}
