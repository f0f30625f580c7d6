/**
 * Sparse vector clocks keyed by author id.
 *
 * Every function here treats an absent entry as 0 and never produces a zero
 * (or negative) entry, so two clocks that count the same messages compare
 * `"equal"` whatever entries they spell out.
 *
 * @module
 */

/** A sparse vector clock: author id → number of that author's messages counted. Absent means 0. */
export type VectorClock = ReadonlyMap<string, number>;

/** How two clocks relate under happens-before. */
export type ClockOrder = "before" | "after" | "equal" | "concurrent";

/** The part of a causal message that the delivery rule reads. */
export interface CausalStamp {
  /** Author id. */
  readonly author: string;
  /** The author's sequence number for this message, starting at 1. */
  readonly seq: number;
  /** What the author had delivered at send time, including this message: `clock.get(author) === seq`. */
  readonly clock: VectorClock;
}

/** A run of one author's sequence numbers, `from` exclusive and `to` inclusive: `(from, to]`. */
export interface SeqRange {
  /** Author id. */
  readonly author: string;
  /** The last sequence number already held (exclusive lower bound, may be 0). */
  readonly from: number;
  /** The last sequence number wanted (inclusive upper bound, greater than `from`). */
  readonly to: number;
}

/** Compares two clocks: `"before"` when `a` < `b`, `"after"` when `a` > `b`, else `"equal"` or `"concurrent"`. */
export function compareClocks(a: VectorClock, b: VectorClock): ClockOrder {
  let less = false;
  let greater = false;
  for (const [author, av] of a) {
    const bv = b.get(author) ?? 0;
    if (av < bv) less = true;
    else if (av > bv) greater = true;
    else continue;
    if (less && greater) return "concurrent";
  }
  if (!less) {
    // Entries of `b` missing from `a` only matter if `b` can still be greater.
    for (const [author, bv] of b) {
      if (bv > 0 && !a.has(author)) {
        less = true;
        break;
      }
    }
  }
  if (less) return greater ? "concurrent" : "before";
  return greater ? "after" : "equal";
}

/** Returns a new clock holding the pointwise maximum of `a` and `b`, without zero entries. */
export function mergeClocks(a: VectorClock, b: VectorClock): Map<string, number> {
  const merged = new Map<string, number>();
  for (const [author, av] of a) {
    if (av > 0) merged.set(author, av);
  }
  for (const [author, bv] of b) {
    if (bv > (merged.get(author) ?? 0)) merged.set(author, bv);
  }
  return merged;
}

/** Reports whether `a` ≤ `b` pointwise: `b` has counted every message `a` has. */
export function clockLessOrEqual(a: VectorClock, b: VectorClock): boolean {
  for (const [author, av] of a) {
    if (av > (b.get(author) ?? 0)) return false;
  }
  return true;
}

/** Reports whether `a` ≥ `b` pointwise (equal clocks dominate each other). */
export function clockDominates(a: VectorClock, b: VectorClock): boolean {
  return clockLessOrEqual(b, a);
}

/**
 * Reports whether a receiver whose delivered clock is `delivered` may deliver
 * `message` now: `seq === delivered[author] + 1` and `clock[k] <= delivered[k]`
 * for every other author `k`. It does not check `clock.get(author) === seq`;
 * the hold-back queue rejects messages that break that.
 */
export function isDeliverable(message: CausalStamp, delivered: VectorClock): boolean {
  const { author, seq, clock } = message;
  if (seq !== (delivered.get(author) ?? 0) + 1) return false;
  for (const [k, n] of clock) {
    if (k !== author && n > (delivered.get(k) ?? 0)) return false;
  }
  return true;
}

/** Converts a clock to its JSON form `{ [author]: n }`, dropping zero entries. */
export function clockToObject(clock: VectorClock): Record<string, number> {
  const entries: [string, number][] = [];
  for (const [author, n] of clock) {
    if (n > 0) entries.push([author, n]);
  }
  // `fromEntries` defines own properties, so an author named "__proto__" stays data.
  return Object.fromEntries(entries);
}

/**
 * Parses a clock's JSON form `{ [author]: n }`, dropping zero entries.
 * Throws a `TypeError` when a value is not a non-negative safe integer.
 */
export function clockFromObject(object: Readonly<Record<string, unknown>>): Map<string, number> {
  const clock = new Map<string, number>();
  for (const [author, n] of Object.entries(object)) {
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
      throw new TypeError(
        `Cannot parse clock: entry ${JSON.stringify(author)} is ${
          typeof n === "number" ? String(n) : typeof n
        }, not a non-negative safe integer`,
      );
    }
    if (n > 0) clock.set(author, n);
  }
  return clock;
}

/**
 * Lists, per author, the sequence numbers `(from, to]` that `remote` has
 * counted and `local` has not; empty when `remote` ≤ `local`.
 */
export function clockMissing(local: VectorClock, remote: VectorClock): SeqRange[] {
  const missing: SeqRange[] = [];
  for (const [author, to] of remote) {
    const from = local.get(author) ?? 0;
    if (to > from) missing.push({ author, from, to });
  }
  return missing;
}
