/**
 * The simulator's agenda: a binary min-heap of events ordered by time, ties
 * broken by insertion order so that a run is a pure function of its seed.
 *
 * The heap is kept as three parallel arrays (times, insertion numbers,
 * values) rather than an array of entry objects: a push allocates nothing,
 * and the comparisons walk unboxed numbers, which matters with the hundreds
 * of thousands of events a 10 000-node run keeps pending.
 *
 * @module
 */

/**
 * A priority queue of timed events.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EventQueue } from "./event_queue.ts";
 * const queue = new EventQueue<string>();
 * queue.push(5, "later");
 * queue.push(1, "first");
 * queue.push(5, "last");
 * assert.equal(queue.peekTimeMs(), 1);
 * assert.equal(queue.take(), "first");
 * assert.deepEqual(queue.pop(), { atMs: 5, value: "later" });
 * assert.equal(queue.take(), "last");
 * assert.equal(queue.take(), undefined);
 * ```
 */
export class EventQueue<T> {
  /** Due times, heap-ordered together with the two arrays below. */
  readonly #times: number[] = [];
  /** Insertion numbers: the tie-break. */
  readonly #orders: number[] = [];
  readonly #values: T[] = [];
  #order = 0;

  /** Events waiting. */
  get size(): number {
    return this.#times.length;
  }

  /** Time of the earliest event, or `Infinity` when empty. */
  peekTimeMs(): number {
    return this.#times.length === 0 ? Infinity : this.#times[0]!;
  }

  /** Adds an event due at `atMs`. */
  push(atMs: number, value: T): void {
    const times = this.#times;
    const orders = this.#orders;
    const values = this.#values;
    const order = this.#order++;
    let i = times.length;
    times.push(atMs);
    orders.push(order);
    values.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const parentMs = times[parent]!;
      if (!(atMs < parentMs || (atMs === parentMs && order < orders[parent]!))) break;
      times[i] = parentMs;
      orders[i] = orders[parent]!;
      values[i] = values[parent]!;
      i = parent;
    }
    times[i] = atMs;
    orders[i] = order;
    values[i] = value;
  }

  /** Removes and returns the earliest event with its time, or `undefined` when empty. */
  pop(): { atMs: number; value: T } | undefined {
    if (this.#times.length === 0) return undefined;
    const atMs = this.#times[0]!;
    return { atMs, value: this.take()! };
  }

  /**
   * Removes and returns the earliest event, or `undefined` when empty; its
   * time is {@linkcode EventQueue.peekTimeMs} just before. Allocates nothing.
   */
  take(): T | undefined {
    const times = this.#times;
    const orders = this.#orders;
    const values = this.#values;
    const n = times.length - 1;
    if (n < 0) return undefined;
    const top = values[0]!;
    const lastMs = times.pop()!;
    const lastOrder = orders.pop()!;
    const last = values.pop()!;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      let childMs = times[left]!;
      if (right < n) {
        const rightMs = times[right]!;
        if (rightMs < childMs || (rightMs === childMs && orders[right]! < orders[left]!)) {
          child = right;
          childMs = rightMs;
        }
      }
      if (!(childMs < lastMs || (childMs === lastMs && orders[child]! < lastOrder))) break;
      times[i] = childMs;
      orders[i] = orders[child]!;
      values[i] = values[child]!;
      i = child;
    }
    times[i] = lastMs;
    orders[i] = lastOrder;
    values[i] = last;
    return top;
  }
}
