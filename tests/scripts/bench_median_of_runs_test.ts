import assert from "node:assert/strict";
import { medianOfRuns } from "../../scripts/_bench/median_of_runs.ts";

Deno.test("medianOfRuns() takes the median of every number, nested objects too", () => {
  const runs = [
    { nodes: 10, join_s: 0.5, latency_ms: { p50: 1, p99: 9 } },
    { nodes: 10, join_s: 0.3, latency_ms: { p50: 3, p99: 5 } },
    { nodes: 10, join_s: 0.4, latency_ms: { p50: 2, p99: 7 } },
  ];
  assert.deepEqual(medianOfRuns(runs), {
    nodes: 10,
    join_s: 0.4,
    latency_ms: { p50: 2, p99: 7 },
  });
});

Deno.test("medianOfRuns() leaves out nulls, and keeps null when all are null", () => {
  assert.deepEqual(medianOfRuns([{ a: 1, b: null }, { a: null, b: null }, { a: 3, b: null }]), {
    a: 2,
    b: null,
  });
});

Deno.test("medianOfRuns() keeps equal values and lists values that differ", () => {
  assert.deepEqual(
    medianOfRuns([
      { system: "p2pchat", complete: true, error: "x" },
      { system: "p2pchat", complete: false, error: "x" },
    ]),
    { system: "p2pchat", complete: [true, false], error: "x" },
  );
});

Deno.test("medianOfRuns() keeps keys in order, adding keys only some runs have", () => {
  const median = medianOfRuns([{ a: 1, b: 2 }, { b: 4, c: 5 }]);
  assert.deepEqual(Object.keys(median), ["a", "b", "c"]);
  assert.deepEqual(median, { a: 1, b: 3, c: 5 });
});

Deno.test("medianOfRuns() rejects no runs", () => {
  assert.throws(() => medianOfRuns([]), RangeError);
});
