/**
 * Event-loop lag, measured in the shell: a timer asks to fire every interval
 * and the lag is how late it fired. A busy loop (a large paste, a flood)
 * shows as lag before it shows as anything else.
 *
 * @module
 */

/** How often the lag is sampled, in milliseconds. */
export const EVENT_LOOP_LAG_INTERVAL_MS = 500;

/** Timers and clock the meter uses (injected in tests). */
export interface LagMeterPorts {
  /** Monotonic milliseconds. */
  readonly now: () => number;
  /** Calls `callback` once after `ms`; returns a cancel function. */
  readonly after: (ms: number, callback: () => void) => () => void;
}

const DEFAULT_PORTS: LagMeterPorts = {
  now: () => performance.now(),
  after: (ms, callback) => {
    const timer = setTimeout(callback, ms);
    // The meter must never keep the process alive on its own.
    Deno.unrefTimer(timer);
    return () => clearTimeout(timer);
  },
};

/** Samples how late a timer fires. */
export class EventLoopLagMeter {
  readonly #ports: LagMeterPorts;
  readonly #intervalMs: number;
  #lastSeconds = 0;
  #maxSeconds = 0;
  #cancel: (() => void) | undefined;

  /** Starts sampling every `intervalMs` (default {@linkcode EVENT_LOOP_LAG_INTERVAL_MS}). */
  constructor(intervalMs = EVENT_LOOP_LAG_INTERVAL_MS, ports: LagMeterPorts = DEFAULT_PORTS) {
    if (!(intervalMs > 0)) throw new RangeError(`interval must be positive, got ${intervalMs}`);
    this.#ports = ports;
    this.#intervalMs = intervalMs;
    this.#schedule();
  }

  /** The lag of the latest sample, in seconds. */
  get lastSeconds(): number {
    return this.#lastSeconds;
  }

  /** The largest lag seen since start, in seconds. */
  get maxSeconds(): number {
    return this.#maxSeconds;
  }

  /** Stops sampling. */
  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
  }

  #schedule(): void {
    const due = this.#ports.now() + this.#intervalMs;
    this.#cancel = this.#ports.after(this.#intervalMs, () => {
      const lag = Math.max(0, this.#ports.now() - due) / 1000;
      this.#lastSeconds = lag;
      this.#maxSeconds = Math.max(this.#maxSeconds, lag);
      this.#schedule();
    });
  }
}
