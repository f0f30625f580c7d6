/**
 * Sparse vector clocks keyed by author id.
 *
 * @module
 */

/** A sparse vector clock: author id → number of that author's messages counted. Absent means 0. */
export type VectorClock = ReadonlyMap<string, number>;
