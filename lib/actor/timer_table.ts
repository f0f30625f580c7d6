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
  readonly #deadlines = new Map<T, number>();

  /** A table of stopped timers; `order` is the order they fire in when due together. */
  constructor(order: readonly T[]) {
    if (new Set(order).size !== order.length) {
      throw new TypeError(`Cannot make timer table: a timer is named twice in ${order}`);
    }
    this.#order = order;
    for (const timer of order) this.#deadlines.set(timer, Infinity);
  }

  /** The firing order. */
  get order(): readonly T[] {
    return this.#order;
  }

  /** Sets `timer` to fire at `atMs` (replacing its deadline). */
  set(timer: T, atMs: number): void {
    this.#deadlines.set(timer, atMs);
  }

  /** Sets `timer` to fire at `atMs` unless it is already running. */
  arm(timer: T, atMs: number): void {
    if (this.#deadlines.get(timer) === Infinity) this.#deadlines.set(timer, atMs);
  }

  /** Stops `timer`. */
  stop(timer: T): void {
    this.#deadlines.set(timer, Infinity);
  }

  /** When `timer` fires; `Infinity` when stopped. */
  deadlineMs(timer: T): number {
    return this.#deadlines.get(timer)!;
  }

  /** Stops every timer. */
  stopAll(): void {
    for (const timer of this.#order) this.#deadlines.set(timer, Infinity);
  }

  /** Whether `timer` is due at `nowMs`. */
  isExpired(timer: T, nowMs: number): boolean {
    return nowMs >= this.#deadlines.get(timer)!;
  }

  /** The timers due at `nowMs`, in firing order. */
  expired(nowMs: number): T[] {
    return this.#order.filter((timer) => this.isExpired(timer, nowMs));
  }

  /** The earliest deadline among `timers` (all by default); `Infinity` when none runs. */
  nextDeadlineMs(timers: readonly T[] = this.#order): number {
    let next = Infinity;
    for (const timer of timers) next = Math.min(next, this.#deadlines.get(timer)!);
    return next;
  }
}
