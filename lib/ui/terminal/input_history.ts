/**
 * What the user sent, for Up/Down recall: bounded, newest last, consecutive
 * duplicates kept once; the draft being typed is kept while browsing and
 * comes back on Down past the newest entry.
 *
 * @module
 */

/** How many sent lines Up/Down can recall. */
export const INPUT_HISTORY_ENTRIES_MAX = 200;

/** Sent lines to recall with Up and Down. */
export class InputHistory {
  readonly #entriesMax: number;
  #entries: string[] = [];
  /** The entry shown, or `entries.length` for the draft being typed. */
  #index = 0;
  #draft = "";

  /**
   * An empty history.
   *
   * @param entriesMax Default {@linkcode INPUT_HISTORY_ENTRIES_MAX}.
   */
  constructor(entriesMax: number = INPUT_HISTORY_ENTRIES_MAX) {
    if (!Number.isSafeInteger(entriesMax) || entriesMax < 1) {
      throw new RangeError(
        `Cannot keep an input history: entriesMax must be at least 1, got ${entriesMax}`,
      );
    }
    this.#entriesMax = entriesMax;
  }

  /** The remembered lines, oldest first. */
  get entries(): readonly string[] {
    return this.#entries;
  }

  /** Remembers a sent line (the oldest is forgotten beyond the bound) and stops browsing. */
  add(line: string): void {
    if (line !== "" && this.#entries.at(-1) !== line) {
      this.#entries.push(line);
      if (this.#entries.length > this.#entriesMax) this.#entries.shift();
    }
    this.#index = this.#entries.length;
    this.#draft = "";
  }

  /** The line before the one shown (`current` is the draft as it is now), or `undefined` at the oldest. */
  previous(current: string): string | undefined {
    if (this.#index === 0) return undefined;
    if (this.#index === this.#entries.length) this.#draft = current;
    this.#index--;
    return this.#entries[this.#index];
  }

  /** The line after the one shown, the saved draft past the newest, or `undefined` when already there. */
  next(): string | undefined {
    if (this.#index >= this.#entries.length) return undefined;
    this.#index++;
    return this.#index === this.#entries.length ? this.#draft : this.#entries[this.#index];
  }
}
