/**
 * Repeated warnings shown once, then counted: the first of a kind is shown at
 * once; repeats are only counted, and summed up in one line per window
 * ("… (repeated 12 times in the last minute)") for as long as they go on. A
 * warning quiet for a whole window is forgotten. Pure: time comes in as
 * `nowMs`. Bounded: at most `keysMax` kinds are remembered.
 *
 * @module
 */

/** How long repeats of a warning are counted instead of shown, in ms. */
export const WARNING_REPEAT_WINDOW_MS = 60_000;

/** How many different warnings are remembered at once (the oldest is forgotten first). */
export const WARNING_KEYS_MAX = 256;

/** Options of {@linkcode WarningDedupe}. */
export interface WarningDedupeOptions {
  /** Default {@linkcode WARNING_REPEAT_WINDOW_MS}. */
  windowMs?: number;
  /** Default {@linkcode WARNING_KEYS_MAX}. */
  keysMax?: number;
}

interface Seen {
  /** When its current window began: when it was shown, or its repeats last counted. */
  windowStartMs: number;
  /** Repeats in the current window. */
  repeats: number;
}

/** The words of a count of repeats. */
function repeatedLine(text: string, repeats: number, windowMs: number): string {
  const span = windowMs === 60_000
    ? "the last minute"
    : `the last ${Math.round(windowMs / 1000)} s`;
  return `${text} (repeated ${repeats} ${repeats === 1 ? "time" : "times"} in ${span})`;
}

/** Decides which warnings to show, and when to sum up their repeats. */
export class WarningDedupe {
  readonly #windowMs: number;
  readonly #keysMax: number;
  readonly #seen = new Map<string, Seen>();

  /** Nothing seen yet. */
  constructor(options: WarningDedupeOptions = {}) {
    this.#windowMs = options.windowMs ?? WARNING_REPEAT_WINDOW_MS;
    this.#keysMax = options.keysMax ?? WARNING_KEYS_MAX;
    if (!(this.#windowMs > 0) || !Number.isSafeInteger(this.#keysMax) || this.#keysMax < 1) {
      throw new RangeError(
        `Cannot dedupe warnings: windowMs must be positive and keysMax at least 1, got ${this.#windowMs} and ${this.#keysMax}`,
      );
    }
  }

  /** How many different warnings are remembered now. */
  get size(): number {
    return this.#seen.size;
  }

  /**
   * A warning `text` happened at `nowMs`: the lines to show now — the warning
   * itself when it is news, a count of its repeats when their window has
   * closed (this one then counts in the next window), or nothing while it is
   * being counted.
   */
  offer(text: string, nowMs: number): string[] {
    const seen = this.#seen.get(text);
    if (seen === undefined) {
      this.#seen.set(text, { windowStartMs: nowMs, repeats: 0 });
      if (this.#seen.size > this.#keysMax) this.#seen.delete(this.#seen.keys().next().value!);
      return [text];
    }
    if (nowMs - seen.windowStartMs < this.#windowMs) {
      seen.repeats++;
      return [];
    }
    if (seen.repeats === 0) {
      // A quiet window went by: it is news again.
      seen.windowStartMs = nowMs;
      return [text];
    }
    const line = repeatedLine(text, seen.repeats, this.#windowMs);
    seen.windowStartMs = nowMs;
    seen.repeats = 1;
    return [line];
  }

  /**
   * The counts of repeats whose window has closed by `nowMs` (call it now and
   * then). A warning still repeating stays counted, one line per window; one
   * that was quiet for a whole window is forgotten, and is news next time.
   */
  flush(nowMs: number): string[] {
    const lines: string[] = [];
    for (const [text, seen] of this.#seen) {
      if (nowMs - seen.windowStartMs < this.#windowMs) continue;
      if (seen.repeats === 0) {
        this.#seen.delete(text);
        continue;
      }
      lines.push(repeatedLine(text, seen.repeats, this.#windowMs));
      seen.windowStartMs = nowMs;
      seen.repeats = 0;
    }
    return lines;
  }
}
