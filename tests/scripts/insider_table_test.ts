import assert from "node:assert/strict";
import { median, readRows, table } from "../../scripts/insider_table.ts";

const row = (attack: string, during: number, recovered: number | null) =>
  JSON.stringify({
    attack,
    delivery_during: during,
    delivery_final: 1,
    latency_ms: { p99: 10 },
    recovered_ms: recovered,
    peaks: { held_back: 0 },
    outcome: { split: during < 1 ? 3 : 0 },
  });

Deno.test("insider_table: medians sort 'never' last", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([null, 5, null]), null);
  assert.equal(median([null, 5, 7]), 7);
});

Deno.test("insider_table: one row per attack, before → after", () => {
  const before = readRows(
    [row("a", 0.5, null), row("a", 0.2, null), row("a", 0.4, 100)].join("\n"),
  );
  const after = readRows([row("a", 1, 10), row("a", 1, 20), row("a", 1, 30)].join("\n"));
  const lines = table(before, after).split("\n");
  assert.equal(lines.length, 3);
  assert.equal(
    lines[2],
    "| a | 3 | 0.4 → 1 | 1 → 1 | 10 → 10 | never → 20 | 0 → 0 | split 3 → 0 |",
  );
});
