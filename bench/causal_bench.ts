/**
 * Benchmarks of the causal-delivery module: clock comparison and merge at
 * several sizes, and hold-back-queue throughput for a 10-author history.
 *
 * Run with `deno bench bench/causal_bench.ts`. The "queue" cases offer
 * 10 000 messages per iteration, so messages/s = 10 000 × iter/s.
 *
 * @module
 */

import { type CausalMessage, HoldBackQueue } from "../lib/causal/hold_back_queue.ts";
import { compareClocks, mergeClocks, type VectorClock } from "../lib/causal/vector_clock.ts";

/** Seeded PRNG (mulberry32) so every run benchmarks the same data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function int(random: () => number, max: number): number {
  return Math.floor(random() * max);
}

/** Author ids shaped like real ones: 64 hex digits. */
function authorIds(count: number, random: () => number): string[] {
  return Array.from(
    { length: count },
    () => Array.from({ length: 64 }, () => int(random, 16).toString(16)).join(""),
  );
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = int(random, i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * A causal history: before each send, the sender catches up on a few random
 * messages of others (with their causal past), so clocks carry real
 * dependencies.
 */
function causalHistory(authorCount: number, messageCount: number, seed: number): CausalMessage[] {
  const random = prng(seed);
  const authors = authorIds(authorCount, random);
  const sent: CausalMessage[][] = authors.map(() => []);
  const known: Map<string, number>[] = authors.map(() => new Map());
  const history: CausalMessage[] = [];
  for (let m = 0; m < messageCount; m++) {
    const i = int(random, authorCount);
    const author = authors[i]!;
    let clock = known[i]!;
    for (let r = int(random, 4); r > 0; r--) {
      const j = int(random, authorCount);
      const theirs = sent[j]!;
      const have = clock.get(authors[j]!) ?? 0;
      if (j === i || theirs.length <= have) continue;
      const received = theirs[have + int(random, theirs.length - have)]!;
      clock = mergeClocks(clock, received.clock);
    }
    const seq = sent[i]!.length + 1;
    clock = new Map(clock).set(author, seq);
    known[i] = clock;
    const message = { author, seq, clock };
    sent[i]!.push(message);
    history.push(message);
  }
  return history;
}

/** Moves each message at most `window` places from its send position. */
function jitter<T>(items: readonly T[], window: number, random: () => number): T[] {
  const keyed = items.map((item, i) => ({ item, key: i + random() * window }));
  return keyed.sort((a, b) => a.key - b.key).map(({ item }) => item);
}

function offerAll(messages: readonly CausalMessage[]): number {
  const queue = new HoldBackQueue<CausalMessage>({
    messagesMax: messages.length,
    perAuthorMax: messages.length,
    seqAheadMax: messages.length,
  });
  let delivered = 0;
  for (const message of messages) delivered += queue.offer(message).delivered.length;
  return delivered;
}

for (const size of [10, 100, 1000]) {
  const random = prng(size);
  const authors = authorIds(size, random);
  const a: VectorClock = new Map(authors.map((id) => [id, 1 + int(random, 1000)]));
  // Equal but for the last entry: "before" is known only after scanning everything.
  const aNext: VectorClock = new Map(a).set(authors[size - 1]!, a.get(authors[size - 1]!)! + 1);
  const b: VectorClock = new Map(authors.map((id) => [id, 1 + int(random, 1000)]));

  Deno.bench(
    `compareClocks() ${size} entries, before (full scan)`,
    { group: `compare ${size}` },
    () => {
      compareClocks(a, aNext);
    },
  );
  Deno.bench(`compareClocks() ${size} entries, concurrent`, { group: `compare ${size}` }, () => {
    compareClocks(a, b);
  });
  Deno.bench(`mergeClocks() ${size} entries`, { group: `merge ${size}` }, () => {
    mergeClocks(a, b);
  });
}

const MESSAGES = 10_000;
const history = causalHistory(10, MESSAGES, 42);
const inRandomOrder = shuffle([...history], prng(7));
const nearlyInOrder = jitter(history, 32, prng(8));
for (const arrivals of [history, inRandomOrder, nearlyInOrder]) {
  if (offerAll(arrivals) !== MESSAGES) throw new Error("Cannot benchmark: history not delivered");
}

Deno.bench("HoldBackQueue 10 authors × 10 000 messages, in send order", { group: "queue" }, () => {
  offerAll(history);
});
Deno.bench("HoldBackQueue 10 authors × 10 000 messages, random order", {
  group: "queue",
  baseline: true,
}, () => {
  offerAll(inRandomOrder);
});
Deno.bench("HoldBackQueue 10 authors × 10 000 messages, ±32 jitter", { group: "queue" }, () => {
  offerAll(nearlyInOrder);
});
