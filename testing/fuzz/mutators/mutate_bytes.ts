/**
 * Blind byte-level mutations, as a network (or an attacker who knows nothing
 * of the format) makes them: bit flips, interesting bytes and 32-bit
 * integers written over the input, insertions, deletions, duplicated runs,
 * truncation, and splices with other inputs.
 *
 * @module
 */

import type { Random } from "../../../lib/random/random.ts";
import { chance, choose, intIn, randomBytes, weighted } from "../harness/fuzz_random.ts";
import { concatBytes } from "../../../lib/wire/bytes.ts";

/** Options of {@linkcode mutateBytes}. */
export interface MutateBytesOptions {
  /** Other inputs to splice with. Default none. */
  readonly donors?: readonly Uint8Array[];
  /** Most mutations stacked on one input. Default 4. */
  readonly mutationsMax?: number;
  /** The result is cut to this length. Default 70 000 bytes. */
  readonly bytesMax?: number;
}

/** Bytes that mean something to MessagePack or to a length field. */
const INTERESTING_BYTES: readonly number[] = Object.freeze([
  0x00,
  0x01,
  0x7f,
  0x80,
  0xff,
  0x90,
  0x9f,
  0xa0,
  0xbf,
  0xc0,
  0xc1,
  0xc2,
  0xc4,
  0xc5,
  0xc6,
  0xca,
  0xcb,
  0xcc,
  0xcf,
  0xd3,
  0xd9,
  0xdb,
  0xdc,
  0xdd,
  0xde,
  0xe0,
]);

/** 32-bit values that break lengths and counts. */
const INTERESTING_U32: readonly number[] = Object.freeze([
  0,
  1,
  0x7f,
  0x80,
  0xff,
  0xffff,
  0x1_0000,
  0x7fff_ffff,
  0x8000_0000,
  0xffff_ffff,
]);

type Mutation = (random: Random, input: Uint8Array, donors: readonly Uint8Array[]) => Uint8Array;

function position(random: Random, input: Uint8Array): number {
  return random.int(input.length + 1);
}

const MUTATIONS: readonly (readonly [Mutation, number])[] = [
  [(random, input) => {
    if (input.length === 0) return randomBytes(random, 1);
    const out = input.slice();
    const i = random.int(out.length);
    out[i] = out[i]! ^ (1 << random.int(8));
    return out;
  }, 6],
  [(random, input) => {
    if (input.length === 0) return Uint8Array.of(choose(random, INTERESTING_BYTES));
    const out = input.slice();
    out[random.int(out.length)] = chance(random, 0.7)
      ? choose(random, INTERESTING_BYTES)
      : random.int(256);
    return out;
  }, 4],
  [(random, input) => {
    // A big-endian 8-, 16- or 32-bit value written over the input.
    const width = choose(random, [1, 2, 4]);
    if (input.length < width) return input;
    const out = input.slice();
    const at = random.int(out.length - width + 1);
    let value = choose(random, INTERESTING_U32) + random.int(3) - 1;
    for (let i = width - 1; i >= 0; i--) {
      out[at + i] = value & 0xff;
      value = Math.floor(value / 256);
    }
    return out;
  }, 3],
  [(random, input) => {
    const at = position(random, input);
    const extra = randomBytes(random, intIn(random, 1, 16));
    return concatBytes([input.subarray(0, at), extra, input.subarray(at)]);
  }, 2],
  [(random, input) => {
    if (input.length === 0) return input;
    const at = random.int(input.length);
    const length = intIn(random, 1, Math.min(16, input.length - at));
    return concatBytes([input.subarray(0, at), input.subarray(at + length)]);
  }, 3],
  [(random, input) => {
    // A run of the input repeated (a duplicated element, a duplicated frame).
    if (input.length === 0) return input;
    const at = random.int(input.length);
    const length = intIn(random, 1, Math.min(64, input.length - at));
    const run = input.subarray(at, at + length);
    const times = intIn(random, 1, 4);
    const copies = Array.from({ length: times }, () => run);
    return concatBytes([input.subarray(0, at + length), ...copies, input.subarray(at + length)]);
  }, 2],
  [(random, input) => input.slice(0, random.int(input.length + 1)), 3],
  [(random, input, donors) => {
    // Splice: a prefix of this input with a suffix of another (or of itself).
    const donor = donors.length > 0 ? choose(random, donors) : input;
    return concatBytes([
      input.subarray(0, position(random, input)),
      donor.subarray(random.int(donor.length + 1)),
    ]);
  }, 3],
  [(random, input, donors) => {
    // Another input inserted whole.
    const donor = donors.length > 0 ? choose(random, donors) : input;
    const at = position(random, input);
    return concatBytes([input.subarray(0, at), donor, input.subarray(at)]);
  }, 1],
];

/**
 * Applies one to `mutationsMax` random byte-level mutations to a copy of
 * `input`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seededRandom } from "../../../lib/random/random.ts";
 * import { mutateBytes } from "./mutate_bytes.ts";
 *
 * const input = new Uint8Array([0x92, 0x06, 0x05]);
 * const a = mutateBytes(seededRandom(3), input);
 * assert.deepEqual(a, mutateBytes(seededRandom(3), input));
 * assert.deepEqual(input, new Uint8Array([0x92, 0x06, 0x05]));
 * ```
 */
export function mutateBytes(
  random: Random,
  input: Uint8Array,
  options: MutateBytesOptions = {},
): Uint8Array {
  const donors = options.donors ?? [];
  const bytesMax = options.bytesMax ?? 70_000;
  let out: Uint8Array = input;
  const rounds = intIn(random, 1, options.mutationsMax ?? 4);
  for (let i = 0; i < rounds; i++) {
    out = weighted(random, MUTATIONS)(random, out, donors);
    if (out.length > bytesMax) out = out.subarray(0, bytesMax);
  }
  return out === input ? input.slice() : out;
}
