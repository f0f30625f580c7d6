/**
 * Pauses that a stop cuts short: each runtime part that waits (retries,
 * rate pauses) sleeps through one of these, and `wakeAll` ends them all.
 *
 * @module
 */

/** A set of pauses under way. */
export class Sleepers {
  readonly #wakers = new Set<() => void>();
  #stopped = false;

  /** Waits `ms`, or less if `wakeAll` is called meanwhile (at once after it). */
  sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakers.add(done);
    });
  }

  /** Ends every pause now and every later one at once. */
  wakeAll(): void {
    this.#stopped = true;
    for (const done of [...this.#wakers]) done();
  }
}
