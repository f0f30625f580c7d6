import assert from "node:assert/strict";
import {
  type BenchReport,
  formatNs,
  markdownTable,
  summarizeBenchRuns,
} from "../../scripts/_bench/micro_medians.ts";

function report(times: Record<string, number>): BenchReport {
  return {
    benches: [
      { origin: "file:///r/bench/a_bench.ts", group: "g", name: "fast", baseline: false },
      { origin: "file:///r/bench/a_bench.ts", group: "g", name: "base", baseline: true },
      { origin: "file:///r/bench/a_bench.ts", group: null, name: "alone", baseline: false },
    ].map((bench) => ({ ...bench, results: [{ ok: { avg: times[bench.name]! } }] })),
  };
}

Deno.test("summarizeBenchRuns() takes medians of times and of per-run ratios to the baseline", () => {
  const cases = summarizeBenchRuns([
    report({ fast: 10, base: 20, alone: 5 }),
    report({ fast: 30, base: 40, alone: 7 }),
    report({ fast: 12, base: 48, alone: 6 }),
  ]);
  assert.deepEqual(cases.map((c) => [c.file, c.group, c.name, c.avgNs, c.vsBaseline]), [
    ["a_bench.ts", "g", "fast", 12, 0.5],
    ["a_bench.ts", "g", "base", 40, 1],
    ["a_bench.ts", "", "alone", 6, undefined],
  ]);
});

Deno.test("summarizeBenchRuns() uses a group's first case when none is marked baseline", () => {
  const unmarked: BenchReport = {
    benches: [
      { origin: "x", group: "g", name: "one", baseline: false, results: [{ ok: { avg: 4 } }] },
      { origin: "x", group: "g", name: "two", baseline: false, results: [{ ok: { avg: 8 } }] },
      { origin: "x", group: "g", name: "failed", baseline: false, results: [{}] },
    ],
  };
  assert.deepEqual(summarizeBenchRuns([unmarked]).map((c) => c.vsBaseline), [1, 2]);
});

Deno.test("formatNs() picks the unit deno bench would", () => {
  assert.equal(formatNs(999), "999.0 ns");
  assert.equal(formatNs(1500), "1.5 µs");
  assert.equal(formatNs(2_500_000), "2.50 ms");
  assert.equal(formatNs(3e9), "3.00 s");
});

Deno.test("markdownTable() has one row per case", () => {
  const table = markdownTable(summarizeBenchRuns([report({ fast: 10, base: 20, alone: 5 })]));
  assert.equal(table.split("\n").length, 5);
  assert.match(table, /\| a_bench\.ts \| g \| fast \| 10\.0 ns \| 100,000,000 \| 0\.50 \|/);
});
