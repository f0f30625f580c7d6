/**
 * Named deadlines of one sans-I/O actor, in a fixed firing order (after
 * quinn-proto's `TimerTable`): the order decides which timer runs first when
 * two fall due at the same time, so it is part of the behaviour.
 *
 * @module
 */

/**
 * The deadlines of timers named by `T`. A stopped timer's deadline is
 * `Infinity`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TimerTable } from "./timer_table.ts";
 * const timers = new TimerTable(["first", "second"] as const);
 * timers.set("second", 10);
 * timers.set("first", 10);
 * assert.deepEqual(timers.expired(10), ["first", "second"]);
 * assert.equal(timers.nextDeadlineMs(), 10);
 * ```
 */
export class TimerTable<T extends string> {
  readonly #order: readonly T[];
  /** Each timer's slot in {@linkcode TimerTable.#deadlines}: its place in the firing order. */
  readonly #slots = new Map<T, number>();
  readonly #deadlines: Float64Array;
  /**
   * The earliest deadline, kept as timers change: the simulator asks for it
   * after every event, and most events change no timer. Stale when the
   * earliest timer moved later; then it is found again when asked.
   */
  #next = Infinity;
  #nextStale = false;

  /** A table of stopped timers; `order` is the order they fire in when due together. */
  constructor(order: readonly T[]) {
    if (new Set(order).size !== order.length) {
      throw new TypeError(`Cannot make timer table: a timer is named twice in ${order}`);
    }
    this.#order = order;
    order.forEach((timer, slot) => this.#slots.set(timer, slot));
    this.#deadlines = new Float64Array(order.length).fill(Infinity);
  }

  /** The firing order. */
  get order(): readonly T[] {
    return this.#order;
  }

  /** Sets `timer` to fire at `atMs` (replacing its deadline). */
  set(timer: T, atMs: number): void {
    this.#write(this.#slots.get(timer)!, atMs);
  }

  /** Sets `timer` to fire at `atMs` unless it is already running. */
  arm(timer: T, atMs: number): void {
    const slot = this.#slots.get(timer)!;
    if (this.#deadlines[slot] === Infinity) this.#write(slot, atMs);
  }

  /** Stops `timer`. */
  stop(timer: T): void {
    this.#write(this.#slots.get(timer)!, Infinity);
  }

  /** When `timer` fires; `Infinity` when stopped. */
  deadlineMs(timer: T): number {
    return this.#deadlines[this.#slots.get(timer)!]!;
  }

  /** Stops every timer. */
  stopAll(): void {
    this.#deadlines.fill(Infinity);
    this.#next = Infinity;
    this.#nextStale = false;
  }

  /** Whether `timer` is due at `nowMs`. */
  isExpired(timer: T, nowMs: number): boolean {
    return nowMs >= this.deadlineMs(timer);
  }

  /** The timers due at `nowMs`, in firing order. */
  expired(nowMs: number): T[] {
    return this.#order.filter((timer) => this.isExpired(timer, nowMs));
  }

  /** The earliest deadline among `timers` (all by default); `Infinity` when none runs. */
  nextDeadlineMs(timers?: readonly T[]): number {
    if (timers !== undefined) {
      let next = Infinity;
      for (const timer of timers) next = Math.min(next, this.deadlineMs(timer));
      return next;
    }
    if (this.#nextStale) {
      let next = Infinity;
      for (const atMs of this.#deadlines) next = Math.min(next, atMs);
      this.#next = next;
      this.#nextStale = next !== next;
    }
    return this.#next;
  }

  #write(slot: number, atMs: number): void {
    const before = this.#deadlines[slot]!;
    this.#deadlines[slot] = atMs;
    if (this.#nextStale) return;
    // NaN (never meant, but Math.min propagates it) is left to a full scan.
    if (atMs !== atMs) this.#nextStale = true;
    else if (atMs <= this.#next) this.#next = atMs;
    else if (before === this.#next) this.#nextStale = true;
  }
}
