/**
 * What the replay page draws, decided apart from the canvas (pure, tested
 * with `deno test`): which links to draw when there are too many, and
 * which column each node goes to while the network is partitioned.
 *
 * @module
 */

/** Links drawn at most; past this an even sample is drawn and the page says so. */
export const REPLAY_LINKS_DRAWN_MAX = 6_000;

/**
 * The undirected links among directed `links` (`from * nodes + to`; a pair
 * listed both ways counts once) and at most `max` of them to draw, an even
 * sample: flat `[a, b, …]`.
 */
export function sampleLinks(
  links: ReadonlySet<number>,
  nodes: number,
  max: number,
): { drawn: Int32Array; total: number } {
  let total = 0;
  for (const key of links) {
    const [a, b] = [Math.floor(key / nodes), key % nodes];
    if (a < b || !links.has(b * nodes + a)) total++;
  }
  const stride = Math.max(1, Math.ceil(total / Math.max(1, max)));
  const drawn = new Int32Array(2 * Math.min(total, Math.ceil(total / stride)));
  let seen = 0;
  let at = 0;
  for (const key of links) {
    const [a, b] = [Math.floor(key / nodes), key % nodes];
    if (!(a < b || !links.has(b * nodes + a))) continue;
    if (seen++ % stride !== 0 || at >= drawn.length) continue;
    drawn[at++] = a;
    drawn[at++] = b;
  }
  return { drawn, total };
}

/**
 * The column of each of `nodes` nodes: its group's index in `groups`, and
 * one more column for nodes in no group (joined after the split). One
 * column when there is no partition.
 */
export function groupColumns(
  nodes: number,
  groups: readonly (readonly number[])[] | undefined,
): { of: Int32Array; count: number } {
  const of = new Int32Array(nodes);
  if (groups === undefined) return { of, count: 1 };
  of.fill(-1);
  groups.forEach((group, g) => {
    for (const i of group) if (i >= 0 && i < nodes) of[i] = g;
  });
  let outside = false;
  for (let i = 0; i < nodes; i++) {
    if (of[i] === -1) {
      of[i] = groups.length;
      outside = true;
    }
  }
  return { of, count: groups.length + (outside ? 1 : 0) };
}

/**
 * Positions (flat `[x, y, …]` in [0, 1]) rescaled so each column's nodes
 * fill the unit square (same scale on both axes, centred): a group of a
 * partition uses its whole column.
 */
export function fitColumns(
  positions: readonly number[],
  columns: { of: Int32Array; count: number },
): Float64Array {
  const n = columns.of.length;
  const box = Array.from(
    { length: columns.count },
    () => [Infinity, Infinity, -Infinity, -Infinity],
  );
  for (let i = 0; i < n; i++) {
    const b = box[columns.of[i]!]!;
    const [x, y] = [positions[2 * i] ?? 0.5, positions[2 * i + 1] ?? 0.5];
    b[0] = Math.min(b[0]!, x);
    b[1] = Math.min(b[1]!, y);
    b[2] = Math.max(b[2]!, x);
    b[3] = Math.max(b[3]!, y);
  }
  const fitted = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const [minX, minY, maxX, maxY] = box[columns.of[i]!]! as [number, number, number, number];
    const span = Math.max(maxX - minX, maxY - minY);
    const [x, y] = [positions[2 * i] ?? 0.5, positions[2 * i + 1] ?? 0.5];
    fitted[2 * i] = span > 0 ? (x - minX) / span + (1 - (maxX - minX) / span) / 2 : 0.5;
    fitted[2 * i + 1] = span > 0 ? (y - minY) / span + (1 - (maxY - minY) / span) / 2 : 0.5;
  }
  return fitted;
}
