/**
 * The simulator's agenda: a binary min-heap of events ordered by time, ties
 * broken by insertion order so that a run is a pure function of its seed.
 *
 * @module
 */

interface Entry<T> {
  readonly atMs: number;
  readonly order: number;
  readonly value: T;
}

/** A priority queue of timed events. */
export class EventQueue<T> {
  #heap: Entry<T>[] = [];
  #order = 0;

  /** Events waiting. */
  get size(): number {
    return this.#heap.length;
  }

  /** Time of the earliest event, or `Infinity` when empty. */
  peekTimeMs(): number {
    return this.#heap[0]?.atMs ?? Infinity;
  }

  /** Adds an event due at `atMs`. */
  push(atMs: number, value: T): void {
    const heap = this.#heap;
    const entry: Entry<T> = { atMs, order: this.#order++, value };
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  /** Removes and returns the earliest event with its time, or `undefined` when empty. */
  pop(): { atMs: number; value: T } | undefined {
    const heap = this.#heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      const n = heap.length;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && before(heap[right]!, heap[left]!) ? right : left;
        if (!before(heap[child]!, last)) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return { atMs: top.atMs, value: top.value };
  }
}

function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.order < b.order);
}
