/**
 * Where the replay page draws each node: one force-directed layout (d3-force)
 * of every link the run ever had, weighted by how long it was up, computed
 * once when the viewer starts. d3-force seeds its own generator, so a trace
 * always gets the same picture.
 *
 * @module
 */

import {
  forceCenter,
  forceLink,
  forceManyBody,
  forceSimulation,
  forceX,
  forceY,
} from "npm:d3-force@3.0.0";

/** Links the layout pulls on at most (the longest-lived); more only slow it down. */
export const LAYOUT_LINKS_MAX = 30_000;

/** Simulation ticks of the layout (d3-force's default cooling takes 300). */
export const LAYOUT_TICKS = 300;

interface LayoutNode {
  index: number;
  x?: number;
  y?: number;
}

interface LayoutLink {
  source: number | LayoutNode;
  target: number | LayoutNode;
  weight: number;
}

/**
 * Positions for `nodes` node indices from undirected `linkWeights`
 * (flat `[a, b, weight, …]`): flat `[x0, y0, …]`, scaled into [0, 1] and
 * rounded to 4 decimals (the page's resolution).
 */
export function layoutNodes(nodes: number, linkWeights: readonly number[]): number[] {
  const points: LayoutNode[] = Array.from({ length: nodes }, (_, index) => ({ index }));
  const links: LayoutLink[] = [];
  for (let at = 0; at + 2 < linkWeights.length; at += 3) {
    const [a, b, weight] = [linkWeights[at]!, linkWeights[at + 1]!, linkWeights[at + 2]!];
    if (a < nodes && b < nodes && a !== b) links.push({ source: a, target: b, weight });
  }
  links.sort((x, y) => y.weight - x.weight);
  links.length = Math.min(links.length, LAYOUT_LINKS_MAX);
  const strongest = links[0]?.weight ?? 1;
  // d3-force is untyped here; the calls are its documented API.
  // deno-lint-ignore no-explicit-any
  const d3 = { forceSimulation, forceLink, forceManyBody, forceCenter, forceX, forceY } as any;
  const simulation = d3.forceSimulation(points)
    .force(
      "link",
      d3.forceLink(links).strength((link: LayoutLink) =>
        0.05 + 0.5 * Math.min(1, link.weight / strongest)
      ),
    )
    .force("charge", d3.forceManyBody().strength(-30))
    .force("center", d3.forceCenter(0, 0))
    // A weak pull to the middle: nodes without links (the bootstrap) stay in the picture.
    .force("x", d3.forceX(0).strength(0.05))
    .force("y", d3.forceY(0).strength(0.05))
    .stop();
  simulation.tick(LAYOUT_TICKS);
  // Scale by the bulk (5th to 95th percentile, plus a margin): a far-flung straggler (a node
  // without links, such as the bootstrap) lands on the edge instead of shrinking everyone else.
  const [minX, maxX] = spread(points.map((p) => p.x ?? 0));
  const [minY, maxY] = spread(points.map((p) => p.y ?? 0));
  const span = Math.max(maxX - minX, maxY - minY, 1e-9);
  const [padX, padY] = [(1 - (maxX - minX) / span) / 2, (1 - (maxY - minY) / span) / 2];
  const positions: number[] = [];
  for (const p of points) {
    positions.push(
      round4(clamp01(((p.x ?? 0) - minX) / span + padX)),
      round4(clamp01(((p.y ?? 0) - minY) / span + padY)),
    );
  }
  return positions;
}

function spread(values: number[]): [number, number] {
  const sorted = values.toSorted((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const [low, high] = [at(0.05), at(0.95)];
  const margin = (high - low) * 0.2;
  return [Math.max(sorted[0] ?? 0, low - margin), Math.min(sorted.at(-1) ?? 0, high + margin)];
}

function clamp01(value: number): number {
  return Math.max(0, Math.min(1, value));
}

function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
