/**
 * What a held-back message waits for: the first message its stamp names
 * that the receiver has not delivered yet.
 *
 * @module
 */

import type { CausalStamp } from "./vector_clock.ts";

/** One message, named by its author and sequence number. */
export interface MessageRef {
  /** Its author. */
  readonly author: string;
  /** Its sequence number. */
  readonly seq: number;
}

/**
 * The next message `message` waits for at a receiver that counts
 * `deliveredSeq(author)` of each author's messages as delivered (history it
 * gave up included): its author's previous message first, else the first
 * author (in the clock's order) whose clock entry is ahead; `undefined` when
 * the message is deliverable (or already delivered).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { missingCause } from "./missing_cause.ts";
 * const message = { author: "a", seq: 2, clock: new Map([["a", 2], ["b", 3]]) };
 * const seqOf = (clock: Record<string, number>) => (author: string) => clock[author] ?? 0;
 * assert.deepEqual(missingCause(message, seqOf({ a: 0 })), { author: "a", seq: 1 });
 * assert.deepEqual(missingCause(message, seqOf({ a: 1, b: 1 })), { author: "b", seq: 2 });
 * assert.equal(missingCause(message, seqOf({ a: 1, b: 3 })), undefined);
 * ```
 */
export function missingCause(
  message: CausalStamp,
  deliveredSeq: (author: string) => number,
): MessageRef | undefined {
  const { author, seq, clock } = message;
  const own = deliveredSeq(author);
  if (seq <= own) return undefined;
  if (seq > own + 1) return { author, seq: own + 1 };
  for (const [k, n] of clock) {
    const have = deliveredSeq(k);
    if (k !== author && n > have) return { author: k, seq: have + 1 };
  }
  return undefined;
}
