import assert from "node:assert/strict";
import fc from "fast-check";
import {
  clockDominates,
  clockFromObject,
  clockLessOrEqual,
  clockMissing,
  clockToObject,
  compareClocks,
  isDeliverable,
  mergeClocks,
  type VectorClock,
} from "../../lib/causal/vector_clock.ts";

function vc(entries: Record<string, number>): Map<string, number> {
  return new Map(Object.entries(entries));
}

function sorted(clock: VectorClock): [string, number][] {
  return [...clock].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function hasNoZeroEntries(clock: VectorClock): boolean {
  return [...clock.values()].every((n) => n > 0);
}

Deno.test("compareClocks() reports equal clocks, ignoring zero entries", () => {
  assert.equal(compareClocks(vc({}), vc({})), "equal");
  assert.equal(compareClocks(vc({ a: 1, b: 2 }), vc({ b: 2, a: 1 })), "equal");
  assert.equal(compareClocks(vc({ a: 1, z: 0 }), vc({ a: 1 })), "equal");
  assert.equal(compareClocks(vc({ a: 1 }), vc({ a: 1, z: 0 })), "equal");
});

Deno.test("compareClocks() reports a clock before another", () => {
  assert.equal(compareClocks(vc({}), vc({ a: 1 })), "before");
  assert.equal(compareClocks(vc({ a: 1 }), vc({ a: 2 })), "before");
  assert.equal(compareClocks(vc({ a: 1 }), vc({ a: 1, b: 1 })), "before");
  assert.equal(compareClocks(vc({ a: 1, b: 0 }), vc({ a: 1, b: 1 })), "before");
});

Deno.test("compareClocks() reports a clock after another", () => {
  assert.equal(compareClocks(vc({ a: 1 }), vc({})), "after");
  assert.equal(compareClocks(vc({ a: 2, b: 1 }), vc({ a: 1 })), "after");
  assert.equal(compareClocks(vc({ a: 1, b: 1 }), vc({ a: 1, b: 0 })), "after");
});

Deno.test("compareClocks() reports concurrent clocks", () => {
  assert.equal(compareClocks(vc({ a: 1 }), vc({ b: 1 })), "concurrent");
  assert.equal(compareClocks(vc({ a: 2, b: 1 }), vc({ a: 1, b: 2 })), "concurrent");
  assert.equal(compareClocks(vc({ a: 2 }), vc({ a: 1, b: 1 })), "concurrent");
  assert.equal(compareClocks(vc({ a: 1, b: 1 }), vc({ a: 2 })), "concurrent");
});

Deno.test("mergeClocks() takes the pointwise maximum into a new map", () => {
  const a = vc({ a: 3, b: 1 });
  const b = vc({ b: 2, c: 1 });
  const merged = mergeClocks(a, b);
  assert.deepEqual(sorted(merged), [["a", 3], ["b", 2], ["c", 1]]);
  assert.notEqual(merged, a);
  assert.notEqual(merged, b);
  assert.deepEqual(sorted(a), [["a", 3], ["b", 1]]);
});

Deno.test("mergeClocks() drops zero entries", () => {
  assert.deepEqual(sorted(mergeClocks(vc({ a: 0, b: 1 }), vc({ c: 0 }))), [["b", 1]]);
});

Deno.test("clockLessOrEqual() compares pointwise, absent entries as 0", () => {
  assert.equal(clockLessOrEqual(vc({}), vc({})), true);
  assert.equal(clockLessOrEqual(vc({ a: 1 }), vc({ a: 1, b: 3 })), true);
  assert.equal(clockLessOrEqual(vc({ a: 1, z: 0 }), vc({ a: 1 })), true);
  assert.equal(clockLessOrEqual(vc({ a: 2 }), vc({ a: 1, b: 3 })), false);
  assert.equal(clockLessOrEqual(vc({ c: 1 }), vc({ a: 1 })), false);
});

Deno.test("clockDominates() holds when every entry is at least the other's", () => {
  assert.equal(clockDominates(vc({ a: 2, b: 1 }), vc({ a: 1 })), true);
  assert.equal(clockDominates(vc({ a: 1 }), vc({ a: 1 })), true);
  assert.equal(clockDominates(vc({ a: 1 }), vc({ a: 1, b: 1 })), false);
  assert.equal(clockDominates(vc({ a: 2 }), vc({ b: 1 })), false);
});

Deno.test("isDeliverable() accepts the author's next message with delivered dependencies", () => {
  const delivered = vc({ a: 2, b: 5 });
  assert.equal(isDeliverable({ author: "a", seq: 3, clock: vc({ a: 3, b: 5 }) }, delivered), true);
  assert.equal(isDeliverable({ author: "a", seq: 3, clock: vc({ a: 3, b: 1 }) }, delivered), true);
  assert.equal(isDeliverable({ author: "c", seq: 1, clock: vc({ c: 1 }) }, delivered), true);
  assert.equal(isDeliverable({ author: "c", seq: 1, clock: vc({ c: 1, d: 0 }) }, delivered), true);
});

Deno.test("isDeliverable() refuses a gap, an old message or a missing dependency", () => {
  const delivered = vc({ a: 2, b: 5 });
  assert.equal(isDeliverable({ author: "a", seq: 4, clock: vc({ a: 4 }) }, delivered), false);
  assert.equal(isDeliverable({ author: "a", seq: 2, clock: vc({ a: 2 }) }, delivered), false);
  assert.equal(isDeliverable({ author: "a", seq: 3, clock: vc({ a: 3, b: 6 }) }, delivered), false);
  assert.equal(isDeliverable({ author: "a", seq: 3, clock: vc({ a: 3, c: 1 }) }, delivered), false);
  assert.equal(isDeliverable({ author: "c", seq: 2, clock: vc({ c: 2 }) }, delivered), false);
});

Deno.test("clockToObject() gives the JSON form without zero entries", () => {
  assert.deepEqual(clockToObject(vc({ a: 1, b: 0, c: 7 })), { a: 1, c: 7 });
  assert.equal(JSON.stringify(clockToObject(vc({}))), "{}");
});

Deno.test("clockToObject() keeps an author named __proto__ as data", () => {
  const object = clockToObject(new Map([["__proto__", 2]]));
  assert.equal(Object.getPrototypeOf(object), Object.prototype);
  assert.equal(JSON.stringify(object), '{"__proto__":2}');
});

Deno.test("clockFromObject() parses the JSON form and drops zero entries", () => {
  assert.deepEqual(sorted(clockFromObject({ a: 1, b: 0, c: 7 })), [["a", 1], ["c", 7]]);
  assert.deepEqual(sorted(clockFromObject(JSON.parse('{"__proto__":3}'))), [["__proto__", 3]]);
});

Deno.test("clockFromObject() rejects entries that are not non-negative safe integers", () => {
  for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53, "1", null, true, {}]) {
    assert.throws(
      () => clockFromObject({ a: bad }),
      (error: unknown) =>
        error instanceof TypeError && error.message.startsWith('Cannot parse clock: entry "a"'),
    );
  }
});

Deno.test("clockMissing() lists the ranges the remote has and the local lacks", () => {
  assert.deepEqual(clockMissing(vc({ a: 3, b: 5 }), vc({ a: 7, b: 5, c: 2, d: 0 })), [
    { author: "a", from: 3, to: 7 },
    { author: "c", from: 0, to: 2 },
  ]);
  assert.deepEqual(clockMissing(vc({ a: 3 }), vc({ a: 2 })), []);
  assert.deepEqual(clockMissing(vc({}), vc({})), []);
});

// ---- Laws -------------------------------------------------------------------

const authorArb = fc.constantFrom("a", "b", "c", "d", "e");
/** Clocks over a few authors, sometimes with explicit zero entries. */
const clockArb: fc.Arbitrary<VectorClock> = fc
  .array(fc.tuple(authorArb, fc.nat({ max: 4 })), { maxLength: 6 })
  .map((entries) => new Map(entries));

function sameCounts(a: VectorClock, b: VectorClock): boolean {
  return compareClocks(a, b) === "equal";
}

Deno.test("mergeClocks() is commutative, associative and idempotent", () => {
  fc.assert(
    fc.property(clockArb, clockArb, clockArb, (a, b, c) => {
      assert.deepEqual(sorted(mergeClocks(a, b)), sorted(mergeClocks(b, a)));
      assert.deepEqual(
        sorted(mergeClocks(mergeClocks(a, b), c)),
        sorted(mergeClocks(a, mergeClocks(b, c))),
      );
      assert.ok(sameCounts(mergeClocks(a, a), a));
      assert.deepEqual(sorted(mergeClocks(mergeClocks(a, b), b)), sorted(mergeClocks(a, b)));
      assert.ok(hasNoZeroEntries(mergeClocks(a, b)));
    }),
  );
});

Deno.test("mergeClocks() is the least upper bound", () => {
  fc.assert(
    fc.property(clockArb, clockArb, clockArb, (a, b, c) => {
      const merged = mergeClocks(a, b);
      assert.ok(clockDominates(merged, a));
      assert.ok(clockDominates(merged, b));
      if (clockLessOrEqual(a, c) && clockLessOrEqual(b, c)) assert.ok(clockLessOrEqual(merged, c));
    }),
  );
});

Deno.test("compareClocks() agrees with clockLessOrEqual() and is antisymmetric", () => {
  const flip = { before: "after", after: "before", equal: "equal", concurrent: "concurrent" };
  fc.assert(
    fc.property(clockArb, clockArb, (a, b) => {
      const order = compareClocks(a, b);
      assert.equal(compareClocks(b, a), flip[order]);
      const le = clockLessOrEqual(a, b);
      const ge = clockLessOrEqual(b, a);
      assert.equal(ge, clockDominates(a, b));
      const expected = le && ge ? "equal" : le ? "before" : ge ? "after" : "concurrent";
      assert.equal(order, expected);
      assert.equal(compareClocks(a, a), "equal");
      assert.equal(compareClocks(a, mergeClocks(a, b)), ge ? "equal" : "before");
    }),
  );
});

Deno.test("clockMissing() ranges bring the local clock up to the merge", () => {
  fc.assert(
    fc.property(clockArb, clockArb, (local, remote) => {
      const missing = clockMissing(local, remote);
      assert.equal(missing.length === 0, clockLessOrEqual(remote, local));
      const patched = new Map(local);
      for (const { author, from, to } of missing) {
        assert.ok(to > from && from >= 0);
        assert.equal(from, local.get(author) ?? 0);
        patched.set(author, to);
      }
      assert.ok(sameCounts(patched, mergeClocks(local, remote)));
    }),
  );
});

Deno.test("clockFromObject() inverts clockToObject() through JSON", () => {
  fc.assert(
    fc.property(clockArb, (clock) => {
      const object = clockToObject(clock);
      assert.ok(Object.values(object).every((n) => n > 0));
      const back = clockFromObject(JSON.parse(JSON.stringify(object)));
      assert.ok(hasNoZeroEntries(back));
      assert.ok(sameCounts(back, clock));
    }),
  );
});
