/**
 * Seeded choices for the fuzzers, on top of {@linkcode Random}: one campaign
 * seed and an iteration number name every input, so any failure replays from
 * those two numbers alone.
 *
 * @module
 */

import type { Random } from "../../../lib/random/random.ts";

/** Integers around every width boundary of MessagePack and of JavaScript's safe range. */
export const INT_BOUNDARIES: readonly bigint[] = Object.freeze([
  0n,
  1n,
  2n,
  0x7fn,
  0x80n,
  0xffn,
  0x100n,
  0x7fffn,
  0x8000n,
  0xffffn,
  0x1_0000n,
  0x7fff_ffffn,
  0x8000_0000n,
  0xffff_ffffn,
  0x1_0000_0000n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 63n - 1n,
  2n ** 63n,
  2n ** 64n - 1n,
  -1n,
  -31n,
  -32n,
  -33n,
  -128n,
  -129n,
  -32768n,
  -32769n,
  -(2n ** 31n),
  -(2n ** 31n) - 1n,
  -(2n ** 53n) + 1n,
  -(2n ** 53n),
  -(2n ** 63n),
]);

/**
 * The seed of one iteration of a campaign: a hash of the campaign seed (any
 * safe integer ≥ 0) and the iteration number. Iterations are independent, so
 * one can be replayed without running the ones before it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { iterationSeed } from "./fuzz_random.ts";
 *
 * assert.equal(iterationSeed(7, 3), iterationSeed(7, 3));
 * assert.notEqual(iterationSeed(7, 3), iterationSeed(7, 4));
 * ```
 */
export function iterationSeed(seed: number, iteration: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 0x1_0000_0000) >>> 0;
  const a = mix32(lo ^ mix32(hi + 0x632be5ab) ^ mix32(iteration ^ 0x9e3779b9));
  const b = mix32(a ^ 0x85ebca6b ^ iteration);
  return (b & 0x1f_ffff) * 0x1_0000_0000 + a;
}

function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** `true` with probability `p`. */
export function chance(random: Random, p: number): boolean {
  return random.float() < p;
}

/**
 * One element of a non-empty list, uniformly.
 *
 * @throws {RangeError} if `items` is empty.
 */
export function choose<T>(random: Random, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError("Cannot choose: the list is empty");
  return items[random.int(items.length)]!;
}

/** One of `choices`, each with its weight (weights are positive). */
export function weighted<T>(random: Random, choices: readonly (readonly [T, number])[]): T {
  let total = 0;
  for (const [, weight] of choices) total += weight;
  let x = random.float() * total;
  for (const [value, weight] of choices) {
    x -= weight;
    if (x < 0) return value;
  }
  return choices[choices.length - 1]![0];
}

/** An integer in `[min, max]` (both safe integers, `min ≤ max`). */
export function intIn(random: Random, min: number, max: number): number {
  const span = max - min + 1;
  if (span <= 0x1_0000_0000) return min + random.int(span);
  // Wide ranges: two draws for 53 bits of resolution.
  const x = (random.int(0x20_0000) * 0x1_0000_0000 + random.int(0x1_0000_0000)) / 2 ** 53;
  return Math.min(max, min + Math.floor(x * span));
}

/** `length` random bytes. */
export function randomBytes(random: Random, length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = random.int(256);
  return bytes;
}

/**
 * A size that probes a limit: mostly small, often right at, below or above
 * `limit`, sometimes anywhere up to twice it.
 */
export function sizeNear(random: Random, limit: number): number {
  return weighted(random, [
    [() => random.int(Math.min(limit, 8) + 1), 6],
    [() => Math.max(0, limit - 1), 1],
    [() => limit, 2],
    [() => limit + 1, 1],
    [() => random.int(2 * limit + 2), 1],
  ])();
}

/**
 * An integer at or next to a MessagePack width boundary (it may fall just
 * outside the 64-bit range: writers wrap it, which is one more mutation).
 */
export function boundaryInt(random: Random): bigint {
  const base = choose(random, INT_BOUNDARIES);
  return base + BigInt(random.int(3) - 1);
}
