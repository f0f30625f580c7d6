/**
 * A bounded cache of batch roots whose signature this node has checked, so
 * that the other messages of a batch cost a few hashes instead of an Ed25519
 * verification each. Entries are promises: the messages of one batch usually
 * arrive in one read and are checked together, and the first check's result
 * serves the rest before it has even settled.
 *
 * @module
 */

/** Most roots kept by default (PROTOCOL.md § Limits: `verifiedRootsMax`). */
export const VERIFIED_ROOTS_MAX = 1024;

/** Verdicts on signed batch roots, least recently used dropped first. */
export class VerifiedRoots {
  readonly #entries = new Map<string, Promise<boolean>>();
  readonly #max: number;

  /** A cache of at most `max` roots (default {@linkcode VERIFIED_ROOTS_MAX}). */
  constructor(max: number = VERIFIED_ROOTS_MAX) {
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`Invalid cache size: ${max}, expected a positive integer`);
    }
    this.#max = max;
  }

  /** How many roots are kept. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The verdict on `key` (author and root): the cached one, or `check()`'s,
   * which is cached while it is pending and kept only if it is `true` (a
   * forged root must not take the place of a real one). On a miss `check()`
   * is called before this returns (callers may hand it scratch state).
   */
  verdict(key: string, check: () => Promise<boolean>): Promise<boolean> {
    const cached = this.#entries.get(key);
    if (cached !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, cached);
      return cached;
    }
    const pending = check().then((ok) => {
      if (!ok && this.#entries.get(key) === pending) this.#entries.delete(key);
      return ok;
    }, () => {
      if (this.#entries.get(key) === pending) this.#entries.delete(key);
      return false;
    });
    this.#entries.set(key, pending);
    if (this.#entries.size > this.#max) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    return pending;
  }
}
