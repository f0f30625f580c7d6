/**
 * The byte budget of one relayed stream: a token bucket for its rate and a
 * total for its size (PROTOCOL.md § Relays). Pure: the relay asks how long to
 * pause reading after each chunk, which is how the sender is slowed (TCP
 * flow control), never by dropping bytes.
 *
 * @module
 */

/** What to do after carrying a chunk. */
export type MeterVerdict =
  /** Go on reading after `pauseMs` (0: at once). */
  | { readonly ok: true; readonly pauseMs: number }
  /** The stream is over its total: close it with `reason`. */
  | { readonly ok: false; readonly reason: string };

/** One stream's meter; both directions share the total, each has its own bucket. */
export class LinkMeter {
  readonly #bytesPerSecond: number;
  readonly #bytesMax: number;
  #total = 0;
  /** Per direction: bytes the bucket is in debt (may be negative: credit), and when last drained. */
  readonly #debt = [0, 0];
  readonly #atMs: [number, number];

  /** A meter allowing `bytesPerSecond` each way and `bytesMax` in all, from `nowMs`. */
  constructor(bytesPerSecond: number, bytesMax: number, nowMs: number) {
    this.#bytesPerSecond = bytesPerSecond;
    this.#bytesMax = bytesMax;
    this.#atMs = [nowMs, nowMs];
  }

  /** Bytes carried so far, both ways. */
  get total(): number {
    return this.#total;
  }

  /** `bytes` went one way (`direction` 0 or 1) at `nowMs`. */
  charge(direction: 0 | 1, bytes: number, nowMs: number): MeterVerdict {
    this.#total += bytes;
    if (this.#total > this.#bytesMax) {
      return { ok: false, reason: `relayed link over ${this.#bytesMax} bytes` };
    }
    const rate = this.#bytesPerSecond / 1000;
    // A second's worth of credit at most: a quiet link may burst, not save up for ever.
    const drained = (nowMs - this.#atMs[direction]) * rate;
    const debt = Math.max(-this.#bytesPerSecond, this.#debt[direction]! - drained) + bytes;
    this.#debt[direction] = debt;
    this.#atMs[direction] = nowMs;
    return { ok: true, pauseMs: debt > 0 ? Math.ceil(debt / rate) : 0 };
  }
}
