/**
 * A token bucket: at most `perSecond` events a second on average, bursts up
 * to `burst`. The clock is injected, so tests need no waiting.
 *
 * @module
 */

/** Counts events against a rate. */
export class TokenBucket {
  readonly #perMs: number;
  readonly #burst: number;
  #tokens: number;
  #lastMs: number;

  /** A full bucket at time `nowMs`. */
  constructor(perSecond: number, burst: number, nowMs: number) {
    if (!(perSecond > 0) || !(burst >= 1)) {
      throw new RangeError(`Invalid rate: ${perSecond}/s with burst ${burst}`);
    }
    this.#perMs = perSecond / 1000;
    this.#burst = burst;
    this.#tokens = burst;
    this.#lastMs = nowMs;
  }

  /** Takes `count` tokens (one event, or its bytes); `false` when the rate is exceeded (none are taken then). */
  take(nowMs: number, count = 1): boolean {
    if (nowMs > this.#lastMs) {
      this.#tokens = Math.min(this.#burst, this.#tokens + (nowMs - this.#lastMs) * this.#perMs);
      this.#lastMs = nowMs;
    }
    if (this.#tokens < count) return false;
    this.#tokens -= count;
    return true;
  }
}
