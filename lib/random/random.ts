/**
 * Injected randomness. Protocol code draws from a {@linkcode Random} it is
 * given, never from `Math.random()`, so a seed replays a whole simulation.
 *
 * @module
 */

/** A source of uniformly distributed numbers. */
export interface Random {
  /** A float in [0, 1). */
  float(): number;
  /** An integer in [0, bound); `bound` is a positive safe integer. */
  int(bound: number): number;
}

/**
 * A fast seeded generator (sfc32: 128-bit state, passes PractRand/BigCrush).
 *
 * @example
 * ```ts
 * import { seededRandom } from "./random.ts";
 * const a = seededRandom(42), b = seededRandom(42);
 * if (a.int(1000) !== b.int(1000)) throw new Error("not deterministic");
 * ```
 */
export function seededRandom(seed: number): Random {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed >>> 0;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const r = (t + d) | 0;
    c = (c + r) | 0;
    return r >>> 0;
  };
  // Mix in the high bits of the seed, then discard the weak first outputs.
  b ^= Math.floor(seed / 0x1_0000_0000) >>> 0;
  for (let i = 0; i < 15; i++) next();
  return {
    float: () => next() / 0x1_0000_0000,
    int(bound: number): number {
      if (!(bound >= 1) || !Number.isSafeInteger(bound)) {
        throw new RangeError(`Cannot draw an integer: bound ${bound} is not a positive integer`);
      }
      return Math.floor((next() / 0x1_0000_0000) * bound);
    },
  };
}

/** A generator seeded from the operating system's entropy; only `main.ts`-level code uses it. */
export function systemRandom(): Random {
  const seed = crypto.getRandomValues(new Uint32Array(2));
  return seededRandom(seed[0]! * 0x1_0000_0000 + seed[1]!);
}

/** Up to `count` distinct elements of `items`, in random order (partial Fisher–Yates). */
export function sample<T>(items: readonly T[], count: number, random: Random): T[] {
  const pool = items.slice();
  const n = Math.min(count, pool.length);
  for (let i = 0; i < n; i++) {
    const j = i + random.int(pool.length - i);
    const tmp = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = tmp;
  }
  pool.length = n;
  return pool;
}

/** One random element of `items`, or `undefined` when it is empty. */
export function pick<T>(items: readonly T[], random: Random): T | undefined {
  return items.length === 0 ? undefined : items[random.int(items.length)];
}
