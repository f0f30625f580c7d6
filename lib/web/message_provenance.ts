/**
 * Where each recent chat message came from, for the web page's message view:
 * when it first arrived, from which neighbour, whether it was held back and
 * for which missing cause, when it was released and delivered. A bounded
 * ring in the web layer (the sans-I/O core keeps no such list): the oldest
 * records go first.
 *
 * @module
 */

import type { MessageRef } from "../causal/missing_cause.ts";

/** Messages whose provenance is kept; the oldest is forgotten past it. */
export const PROVENANCE_MESSAGES_MAX = 500;

/** What is known of one message's way to this peer. Times are ms since the epoch. */
export interface Provenance {
  /** Its author. */
  readonly author: string;
  /** Its sequence number. */
  readonly seq: number;
  /** Its vector clock, `{ author: seq }` (zero entries dropped). */
  clock?: Record<string, number>;
  /** When its first copy arrived. */
  arrivedAt?: number;
  /** The neighbour the first copy came from (its id). */
  from?: string;
  /** Whether the first copy was a repair (an answer to `have`/`want`), not a push. */
  repair?: boolean;
  /** Copies received (duplicates included). */
  copies: number;
  /** When it was held back, if it was. */
  heldAt?: number;
  /** What it waited for when it was held back. */
  waitsFor?: MessageRef;
  /** When it left the hold-back queue (its causes delivered), if it was held. */
  releasedAt?: number;
  /** When it was delivered here. */
  deliveredAt?: number;
}

/** Options of {@linkcode ProvenanceRing}. */
export interface ProvenanceRingOptions {
  /** Records kept. Default {@linkcode PROVENANCE_MESSAGES_MAX}. */
  messagesMax?: number;
}

/** The provenance of the last {@linkcode PROVENANCE_MESSAGES_MAX} messages, by `author:seq`. */
export class ProvenanceRing {
  readonly #max: number;
  readonly #records = new Map<string, Provenance>();

  /** An empty ring. */
  constructor(options: ProvenanceRingOptions = {}) {
    this.#max = options.messagesMax ?? PROVENANCE_MESSAGES_MAX;
    if (!Number.isSafeInteger(this.#max) || this.#max < 1) {
      throw new RangeError(`Cannot keep provenance: messagesMax ${this.#max} is not at least 1`);
    }
  }

  /** Records kept now. */
  get size(): number {
    return this.#records.size;
  }

  /** The record of `author#seq`, if kept. */
  get(author: string, seq: number): Provenance | undefined {
    return this.#records.get(`${author}:${seq}`);
  }

  /** Every record kept, oldest first. */
  all(): Provenance[] {
    return [...this.#records.values()];
  }

  #record(author: string, seq: number): Provenance {
    const key = `${author}:${seq}`;
    let record = this.#records.get(key);
    if (record === undefined) {
      record = { author, seq, copies: 0 };
      this.#records.set(key, record);
      if (this.#records.size > this.#max) {
        this.#records.delete(this.#records.keys().next().value!);
      }
    }
    return record;
  }

  /**
   * A copy of `author#seq` arrived from `from` at `atMs`; `waitsFor` says
   * what it waits for when it is held back now. Returns the record when it
   * changed (a first copy), `undefined` for a duplicate.
   */
  arrived(
    message: { author: string; seq: number; clock: Record<string, number> },
    arrival: { from: string | undefined; atMs: number; repair: boolean; waitsFor?: MessageRef },
  ): Provenance | undefined {
    const record = this.#record(message.author, message.seq);
    record.copies++;
    if (record.arrivedAt !== undefined) return undefined;
    record.arrivedAt = arrival.atMs;
    record.clock = message.clock;
    record.repair = arrival.repair;
    if (arrival.from !== undefined) record.from = arrival.from;
    if (arrival.waitsFor !== undefined && record.deliveredAt === undefined) {
      record.heldAt = arrival.atMs;
      record.waitsFor = arrival.waitsFor;
    }
    return record;
  }

  /** `author#seq` was delivered here at `atMs`; returns its record. */
  delivered(
    message: { author: string; seq: number; clock: Record<string, number> },
    atMs: number,
  ): Provenance {
    const record = this.#record(message.author, message.seq);
    record.clock ??= message.clock;
    record.deliveredAt ??= atMs;
    if (record.heldAt !== undefined) record.releasedAt ??= atMs;
    return record;
  }
}
