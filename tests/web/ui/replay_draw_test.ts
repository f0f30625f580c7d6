import assert from "node:assert/strict";
import { fitColumns, groupColumns, sampleLinks } from "../../../lib/web/ui/replay_draw.ts";

Deno.test("sampleLinks() counts a link listed both ways once and draws all under the limit", () => {
  const n = 10;
  const links = new Set([0 * n + 1, 1 * n + 0, 2 * n + 3, 5 * n + 4]);
  const { drawn, total } = sampleLinks(links, n, 100);
  assert.deepStrictEqual(total, 3);
  const pairs = [];
  for (let k = 0; k < drawn.length; k += 2) pairs.push([drawn[k], drawn[k + 1]]);
  assert.deepStrictEqual(pairs, [[0, 1], [2, 3], [5, 4]]);
});

Deno.test("sampleLinks() draws at most the limit, an even sample, and reports the total", () => {
  const n = 1000;
  const links = new Set<number>();
  for (let a = 0; a < n; a++) for (let d = 1; d <= 10; d++) links.add(a * n + ((a + d) % n));
  const { drawn, total } = sampleLinks(links, n, 3000);
  assert.deepStrictEqual(total, 10_000);
  assert(drawn.length / 2 <= 3000 && drawn.length / 2 >= 2400, `${drawn.length / 2} drawn`);
});

Deno.test("groupColumns() puts each group in its column and nodes in no group in one more", () => {
  assert.deepStrictEqual(groupColumns(3, undefined).count, 1);
  const { of, count } = groupColumns(5, [[0, 2], [1]]);
  assert.deepStrictEqual([...of], [0, 1, 0, 2, 2]);
  assert.deepStrictEqual(count, 3);
  assert.deepStrictEqual(groupColumns(2, [[0], [1, 7]]).count, 2);
});

Deno.test("fitColumns() scales each column's nodes to fill the unit square, centred", () => {
  const positions = [0.1, 0.1, 0.3, 0.2, 0.9, 0.9, 0.5, 0.5];
  const fitted = fitColumns(positions, groupColumns(4, [[0, 1], [2]]));
  assert.deepStrictEqual([...fitted.slice(0, 4)].map((v) => Math.round(v * 100) / 100), [
    0,
    0.25,
    1,
    0.75,
  ]);
  assert.deepStrictEqual([...fitted.slice(4)], [0.5, 0.5, 0.5, 0.5]);
});
