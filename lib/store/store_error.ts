/**
 * The error of an unusable data directory, in a module of its own so that
 * callers can recognise it without loading SQLite.
 *
 * @module
 */

/** Thrown when the data directory is unusable; its message is fit for a one-line CLI error. */
export class StoreError extends Error {
  /** Always `"StoreError"`. */
  override name = "StoreError";
}
