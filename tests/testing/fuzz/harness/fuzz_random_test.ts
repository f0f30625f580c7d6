import assert from "node:assert/strict";
import {
  boundaryInt,
  chance,
  choose,
  intIn,
  iterationSeed,
  randomBytes,
  sizeNear,
  weighted,
} from "../../../../testing/fuzz/harness/fuzz_random.ts";
import { seededRandom } from "../../../../lib/random/random.ts";

Deno.test("iterationSeed() is a function of seed and iteration, distinct across iterations", () => {
  const seeds = new Set<number>();
  for (let i = 0; i < 10_000; i++) {
    const seed = iterationSeed(123, i);
    assert.equal(seed, iterationSeed(123, i));
    assert.ok(Number.isSafeInteger(seed) && seed >= 0);
    seeds.add(seed);
  }
  assert.equal(seeds.size, 10_000);
  assert.notEqual(iterationSeed(1, 0), iterationSeed(2, 0));
  assert.notEqual(iterationSeed(2 ** 40, 0), iterationSeed(2 ** 40 + 2 ** 33, 0));
});

Deno.test("intIn() stays within its bounds, narrow or as wide as the safe range", () => {
  const random = seededRandom(5);
  const seen = new Set<number>();
  for (let i = 0; i < 2_000; i++) {
    const n = intIn(random, -2, 2);
    assert.ok(n >= -2 && n <= 2);
    seen.add(n);
    const wide = intIn(random, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    assert.ok(Number.isSafeInteger(wide));
  }
  assert.equal(seen.size, 5);
});

Deno.test("choose(), weighted() and chance() draw only what they are given", () => {
  const random = seededRandom(9);
  assert.throws(() => choose(random, []), RangeError);
  for (let i = 0; i < 500; i++) {
    assert.ok(["a", "b"].includes(choose(random, ["a", "b"])));
    assert.equal(weighted(random, [["x", 1], ["never", 0]]), "x");
    assert.equal(chance(random, 0), false);
    assert.equal(chance(random, 1), true);
  }
});

Deno.test("randomBytes(), sizeNear() and boundaryInt() give what they promise", () => {
  const random = seededRandom(3);
  assert.equal(randomBytes(random, 17).length, 17);
  const sizes = new Set<number>();
  for (let i = 0; i < 2_000; i++) {
    const size = sizeNear(random, 100);
    assert.ok(size >= 0 && size <= 201);
    sizes.add(size);
    const n = boundaryInt(random);
    assert.ok(n >= -(2n ** 63n) - 1n && n <= 2n ** 64n);
  }
  for (const edge of [99, 100, 101]) assert.ok(sizes.has(edge), `never ${edge}`);
});
