import assert from "node:assert/strict";
import { latencySummary, median, medianMax, percentile } from "../../scripts/_bench/percentiles.ts";

Deno.test("percentile() takes the nearest rank", () => {
  const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 90), 90);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile(sorted, 100), 100);
  assert.equal(percentile([7], 1), 7);
  assert.equal(percentile([1, 2, 3], 50), 2);
  assert.equal(percentile([1, 2, 3, 4], 50), 2);
});

Deno.test("percentile() is NaN for no values and rejects p outside (0, 100]", () => {
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.throws(() => percentile([1], 0), RangeError);
  assert.throws(() => percentile([1], 101), RangeError);
});

Deno.test("latencySummary() sorts numerically, not as strings", () => {
  const summary = latencySummary([10, 9, 100, 2, 1]);
  assert.deepEqual(summary, { p50: 9, p90: 100, p99: 100, max: 100 });
  assert.equal(latencySummary([]), undefined);
});

Deno.test("latencySummary() of 1000 values gives the 500th, 900th and 990th", () => {
  const values = Array.from({ length: 1000 }, (_, i) => 1000 - i);
  assert.deepEqual(latencySummary(values), { p50: 500, p90: 900, p99: 990, max: 1000 });
});

Deno.test("median() averages the two middle values of an even count", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

Deno.test("medianMax() gives both, or undefined for no values", () => {
  assert.deepEqual(medianMax([5, 1, 3]), { median: 3, max: 5 });
  assert.equal(medianMax([]), undefined);
});
