import assert from "node:assert/strict";
import { pick, sample, seededRandom } from "../../lib/random/random.ts";

Deno.test("seededRandom() replays the same sequence for the same seed", () => {
  const a = seededRandom(99), b = seededRandom(99), c = seededRandom(100);
  const seq = (r: ReturnType<typeof seededRandom>) =>
    Array.from({ length: 20 }, () => r.int(1_000_000));
  const first = seq(a);
  assert.deepEqual(first, seq(b));
  assert.notDeepEqual(first, seq(c));
});

Deno.test("seededRandom().int() stays in range and covers it", () => {
  const r = seededRandom(1);
  const seen = new Set<number>();
  for (let i = 0; i < 10_000; i++) {
    const n = r.int(10);
    assert.ok(Number.isInteger(n) && n >= 0 && n < 10);
    seen.add(n);
  }
  assert.equal(seen.size, 10);
  assert.throws(() => r.int(0), RangeError);
  assert.throws(() => r.int(1.5), RangeError);
});

Deno.test("sample() returns distinct elements, at most the count asked", () => {
  const r = seededRandom(5);
  const items = Array.from({ length: 20 }, (_, i) => i);
  const picked = sample(items, 7, r);
  assert.equal(picked.length, 7);
  assert.equal(new Set(picked).size, 7);
  assert.equal(sample(items, 50, r).length, 20);
  assert.deepEqual(
    items,
    Array.from({ length: 20 }, (_, i) => i),
    "sample() must not modify its input",
  );
  assert.equal(pick([], r), undefined);
});
