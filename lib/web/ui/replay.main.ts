/// <reference lib="dom" />
/**
 * The replay page of `deno task sim:view`: loads the timeline, indexes it
 * into keyframes and draws the network at the time on the slider on a 2D
 * canvas — nodes at their precomputed positions, neighbour links, crashes,
 * stalls, partitions as side-by-side groups, membership verdicts, hold-back,
 * one broadcast's wave, and the traffic per type over time.
 *
 * Tests read what is drawn from `data-` attributes of `#view`.
 *
 * @module
 */

import { ReplayIndex } from "./replay_index.ts";
import { type ReplayState, type ReplayTimeline, Status } from "./replay_timeline.ts";
import { fitColumns, groupColumns, REPLAY_LINKS_DRAWN_MAX, sampleLinks } from "./replay_draw.ts";

/** Broadcast waves kept fetched at once. */
const WAVES_CACHED_MAX = 16;

/** Traffic types charted by name; the rest are summed as "other". */
const TX_TYPES_SHOWN = 6;

const TX_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#999"];

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const view = element<HTMLDivElement>("view");
const graph = element<HTMLCanvasElement>("graph");
const note = element<HTMLDivElement>("note");
const statusLine = element<HTMLSpanElement>("status");
const slider = element<HTMLInputElement>("time");
const playButton = element<HTMLButtonElement>("play");
const speedSelect = element<HTMLSelectElement>("speed");
const pubSelect = element<HTMLSelectElement>("pub");
const txCanvas = element<HTMLCanvasElement>("tx");

/** One broadcast's wave: when each node delivered it, and its place in the delivery order. */
interface Wave {
  readonly pub: number;
  /** Per node: delivery time, ms (Infinity: never). */
  readonly deliveredAt: Float64Array;
  /**
   * Per node: its place in the delivery order (0 first … 1 last): the colour. The trace lists
   * deliveries in the order the simulation made them, also within one time step, which is
   * where a whole broadcast often lands (links are faster than a step).
   */
  readonly order: Float64Array;
  /** Median and 90th percentile delivery delay, ms (step resolution). */
  readonly delayMs: readonly [number, number];
}

let timeline: ReplayTimeline;
let index: ReplayIndex;
let nowMs = 0;
let playing = false;
let lastFrame = 0;
let dirty = true;
const waves = new Map<number, Wave | "loading">();

async function main(): Promise<void> {
  const response = await fetch("/timeline.json");
  if (!response.ok) throw new Error(`timeline: HTTP ${response.status}`);
  timeline = await response.json();
  const started = performance.now();
  index = new ReplayIndex(timeline);
  element("run").textContent =
    `${timeline.scenario}, ${timeline.initialNodes} peers, seed ${timeline.seed}, ${
      (timeline.endMs / 1000).toFixed(1)
    } s simulated`;
  statusLine.textContent = `${timeline.addrs.length} nodes; ${index.keyframeCount} keyframes, ${
    (index.keyframeBytes / 1e6).toFixed(1)
  } MB, indexed in ${Math.round(performance.now() - started)} ms`;
  slider.max = String(timeline.endMs);
  slider.step = String(timeline.stepMs);
  for (let k = 0; k < timeline.pubs.length / 4; k++) {
    const option = document.createElement("option");
    option.value = String(k);
    option.textContent = `#${k}: node ${timeline.pubs[k * 4]} seq ${timeline.pubs[k * 4 + 1]} at ${
      (timeline.pubs[k * 4 + 2]! / 1000).toFixed(2)
    } s (${timeline.pubs[k * 4 + 3]} deliveries)`;
    pubSelect.append(option);
  }
  slider.addEventListener("input", () => seek(Number(slider.value)));
  playButton.addEventListener("click", () => setPlaying(!playing));
  pubSelect.addEventListener("change", () => (dirty = true));
  speedSelect.addEventListener("change", () => (dirty = true));
  document.addEventListener("keydown", (event) => {
    if (event.target !== document.body) return;
    if (event.key === " ") setPlaying(!playing);
    else if (event.key === "ArrowRight") seekStep(+1);
    else if (event.key === "ArrowLeft") seekStep(-1);
    else return;
    event.preventDefault();
  });
  graph.addEventListener("mousemove", (event) => {
    const hit = nodeAt(event.offsetX, event.offsetY);
    if (hit !== hovered) {
      hovered = hit;
      dirty = true;
    }
  });
  txCanvas.addEventListener("click", (event) => {
    seek((event.offsetX / Math.max(1, txCanvas.clientWidth)) * timeline.endMs);
    slider.value = String(nowMs);
  });
  new ResizeObserver(() => (dirty = true)).observe(view);
  // `?t=MS&pub=K` open the replay at a time and on a broadcast (links, tests, screenshots).
  const query = new URLSearchParams(location.search);
  if (query.has("pub") && Number(query.get("pub")) < timeline.pubs.length / 4) {
    pubSelect.value = String(Number(query.get("pub")));
  }
  seek(Number(query.get("t") ?? 0) || 0);
  slider.value = String(nowMs);
  // The token stays in the (HttpOnly) cookie; the address bar need not show it.
  history.replaceState(null, "", "/");
  view.dataset.ready = "1";
  requestAnimationFrame(frame);
}

function seek(ms: number): void {
  nowMs = Math.max(0, Math.min(timeline.endMs, ms));
  dirty = true;
}

/** Moves to the previous or next step that changes something (the arrow keys). */
function seekStep(direction: 1 | -1): void {
  const after = index.stateAt(nowMs).step;
  const target = direction > 0 ? after : after - 2;
  seek(target < 0 ? 0 : timeline.stepTimes[Math.min(target, timeline.stepTimes.length - 1)]!);
  slider.value = String(nowMs);
}

/** Where each node was drawn last, for hovering. */
let drawnAt: { xs: Float64Array; ys: Float64Array; radius: number } | undefined;
/** The node under the pointer, or -1. */
let hovered = -1;

function nodeAt(x: number, y: number): number {
  if (drawnAt === undefined) return -1;
  let best = -1;
  let bestDistance = Math.max(6, drawnAt.radius + 2);
  for (let i = 0; i < drawnAt.xs.length; i++) {
    const distance = Math.hypot(drawnAt.xs[i]! - x, drawnAt.ys[i]! - y);
    if (distance < bestDistance) [best, bestDistance] = [i, distance];
  }
  return best;
}

/** One line about node `i` at the current time (the hover text). */
function describeNode(i: number, state: ReplayState, wave: Wave | undefined): string {
  const status = state.status[i] === Status.up
    ? state.stalledUntil[i]! > nowMs ? "stalled" : "up"
    : state.status[i] === Status.crashed
    ? "crashed"
    : "not started";
  const delivered = wave?.deliveredAt[i];
  return `node ${i} ${timeline.addrs[i]}${state.bootstrap[i] ? " (bootstrap)" : ""}: ${status}; ` +
    `believed alive by ${state.aliveBy[i]}, dead by ${state.deadBy[i]}; holds back ${
      state.held[i]
    }` +
    (delivered === undefined
      ? ""
      : delivered === Infinity
      ? "; has not delivered the wave"
      : `; delivered the wave at ${(delivered / 1000).toFixed(2)} s`);
}

function setPlaying(on: boolean): void {
  playing = on;
  if (on && nowMs >= timeline.endMs) nowMs = 0;
  playButton.textContent = on ? "Pause" : "Play";
  lastFrame = performance.now();
}

function frame(at: number): void {
  if (playing) {
    nowMs += (at - lastFrame) * Number(speedSelect.value);
    if (nowMs >= timeline.endMs) {
      nowMs = timeline.endMs;
      setPlaying(false);
    }
    slider.value = String(nowMs);
    dirty = true;
  }
  lastFrame = at;
  if (dirty) {
    dirty = false;
    draw();
  }
  requestAnimationFrame(frame);
}

/** The broadcast followed at `ms`: the one chosen, or the latest published by then. */
function pubAt(ms: number): number {
  if (pubSelect.value !== "auto") return Number(pubSelect.value);
  let chosen = -1;
  for (let k = 0; k < timeline.pubs.length / 4 && timeline.pubs[k * 4 + 2]! <= ms; k++) chosen = k;
  return chosen;
}

function waveOf(pub: number): Wave | undefined {
  if (pub < 0) return undefined;
  const cached = waves.get(pub);
  if (cached !== undefined) return cached === "loading" ? undefined : cached;
  waves.set(pub, "loading");
  fetch(`/wave/${pub}`).then((r) => r.json()).then((flat: number[]) => {
    const deliveredAt = new Float64Array(timeline.addrs.length).fill(Infinity);
    const order = new Float64Array(timeline.addrs.length);
    const count = flat.length / 2;
    const publishedMs = timeline.pubs[pub * 4 + 2]!;
    const delays: number[] = [];
    for (let k = 0; k < count; k++) {
      deliveredAt[flat[2 * k]!] = flat[2 * k + 1]!;
      order[flat[2 * k]!] = count > 1 ? k / (count - 1) : 0;
      delays.push(flat[2 * k + 1]! - publishedMs);
    }
    const delayMs = [
      delays[Math.floor(count * 0.5)] ?? 0,
      delays[Math.floor(count * 0.9)] ?? 0,
    ] as const;
    if (waves.size >= WAVES_CACHED_MAX) waves.delete(waves.keys().next().value!);
    waves.set(pub, { pub, deliveredAt, order, delayMs });
    dirty = true;
  }).catch(() => waves.delete(pub));
  return undefined;
}

/** Early deliveries yellow, through green and blue, to late ones purple. */
function rampColour(fraction: number): string {
  const stops = [[245, 208, 0], [44, 160, 90], [31, 95, 191], [106, 44, 160]];
  const x = Math.max(0, Math.min(1, fraction)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [stops[i]!, stops[i + 1]!];
  return `rgb(${a.map((v, c) => Math.round(v + (b[c]! - v) * f)).join(",")})`;
}

let fitted: { partition: number; positions: Float64Array } | undefined;

/** The positions while partition `k` holds: each group fitted to its column (kept for the next frame). */
function fittedFor(k: number): Float64Array {
  if (fitted?.partition !== k) {
    const columns = groupColumns(timeline.addrs.length, timeline.partitions[k]);
    fitted = { partition: k, positions: fitColumns(timeline.positions, columns) };
  }
  return fitted.positions;
}

function draw(): void {
  const state = index.stateAt(nowMs);
  const n = timeline.addrs.length;
  const dpr = globalThis.devicePixelRatio || 1;
  const width = graph.clientWidth;
  const height = graph.clientHeight;
  if (graph.width !== Math.round(width * dpr) || graph.height !== Math.round(height * dpr)) {
    graph.width = Math.round(width * dpr);
    graph.height = Math.round(height * dpr);
  }
  const g = graph.getContext("2d")!;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, width, height);

  const partition = state.partition >= 0 ? timeline.partitions[state.partition]! : undefined;
  const columns = groupColumns(n, partition);
  const margin = 16;
  const side = Math.max(10, Math.min(width, height) - 2 * margin);
  const groupCount = partition === undefined ? 1 : columns.count;
  const columnWidth = (width - 2 * margin) / groupCount;
  const scale = Math.min(side, columnWidth * 0.92);
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  const positions = partition === undefined ? timeline.positions : fittedFor(state.partition);
  for (let i = 0; i < n; i++) {
    const column = partition === undefined ? 0 : columns.of[i]!;
    xs[i] = margin + column * columnWidth + (columnWidth - scale) / 2 + positions[2 * i]! * scale;
    ys[i] = margin + (height - 2 * margin - scale) / 2 + positions[2 * i + 1]! * scale;
  }
  if (partition !== undefined) {
    g.fillStyle = "#eef1f6";
    for (let c = 0; c < groupCount; c++) {
      g.fillRect(margin + c * columnWidth + 4, margin / 2, columnWidth - 8, height - margin);
    }
  }

  // Links: undirected, once; cut ones (across groups or blocked) in red.
  const { drawn, total } = sampleLinks(state.links, n, REPLAY_LINKS_DRAWN_MAX);
  const plain = new Path2D();
  const cut = new Path2D();
  for (let k = 0; k < drawn.length; k += 2) {
    const [a, b] = [drawn[k]!, drawn[k + 1]!];
    const isCut = (partition !== undefined && columns.of[a] !== columns.of[b]) ||
      state.blocks.has(a * n + b) || state.blocks.has(b * n + a);
    const path = isCut ? cut : plain;
    path.moveTo(xs[a]!, ys[a]!);
    path.lineTo(xs[b]!, ys[b]!);
  }
  g.lineWidth = 0.5;
  g.strokeStyle = "#c9ced8";
  g.stroke(plain);
  g.lineWidth = 1;
  g.strokeStyle = "rgba(214, 39, 40, 0.7)";
  g.stroke(cut);

  // Nodes.
  const pub = pubAt(nowMs);
  const wave = waveOf(pub);
  const radius = Math.max(1.5, Math.min(8, 120 / Math.sqrt(Math.max(n, 1))));
  let up = 0, crashed = 0, stalled = 0, heldNodes = 0, heldTotal = 0;
  let delivered = 0, detected = 0, suspectedUp = 0;
  for (let i = 0; i < n; i++) if (state.status[i] === Status.up) up++;
  for (let i = 0; i < n; i++) {
    const status = state.status[i];
    if (status === Status.absent) continue;
    const [x, y] = [xs[i]!, ys[i]!];
    if (status === Status.crashed) {
      crashed++;
      if (state.deadBy[i]! > 0) detected++;
      g.strokeStyle = "#555";
      g.lineWidth = 1;
      g.beginPath();
      g.arc(x, y, radius, 0, 2 * Math.PI);
      g.stroke();
    } else {
      const deliveredAt = wave?.deliveredAt[i] ?? Infinity;
      if (deliveredAt <= nowMs) delivered++;
      g.fillStyle = pub < 0
        ? "#4a7bd0"
        : deliveredAt <= nowMs
        ? rampColour(wave?.order[i] ?? 0)
        : "#cfd3da";
      g.beginPath();
      if (state.bootstrap[i]) g.rect(x - radius, y - radius, 2 * radius, 2 * radius);
      else g.arc(x, y, radius, 0, 2 * Math.PI);
      g.fill();
      if (state.bootstrap[i]) {
        g.strokeStyle = "#333";
        g.lineWidth = 1.5;
        g.stroke();
      }
      if (state.deadBy[i]! > 0) suspectedUp++;
    }
    if (state.stalledUntil[i]! > nowMs && status === Status.up) {
      stalled++;
      g.strokeStyle = "#f08c00";
      g.lineWidth = 2.5;
      g.beginPath();
      g.arc(x, y, radius + 1.5, 0, 2 * Math.PI);
      g.stroke();
    }
    const deadBy = state.deadBy[i]!;
    if (deadBy > 0) {
      g.strokeStyle = "#d62728";
      g.lineWidth = 1 + 4 * Math.min(1, deadBy / Math.max(1, up));
      g.beginPath();
      g.arc(x, y, radius + 3.5, 0, 2 * Math.PI);
      g.stroke();
    }
    if (state.held[i]! > 0) {
      heldNodes++;
      heldTotal += state.held[i]!;
      g.fillStyle = "#8e24aa";
      g.beginPath();
      g.arc(x, y, Math.max(1, radius * 0.45), 0, 2 * Math.PI);
      g.fill();
    }
  }

  drawnAt = { xs, ys, radius };
  if (hovered >= 0 && hovered < n) {
    g.strokeStyle = "#000";
    g.lineWidth = 1.5;
    g.beginPath();
    g.arc(xs[hovered]!, ys[hovered]!, radius + 6, 0, 2 * Math.PI);
    g.stroke();
  }
  element("hover").textContent = hovered >= 0 && hovered < n
    ? describeNode(hovered, state, wave)
    : "";
  note.textContent = drawn.length / 2 < total
    ? `showing ${
      drawn.length / 2
    } of ${total} links (an even sample; at most ${REPLAY_LINKS_DRAWN_MAX} drawn)`
    : "";
  element("clock").textContent = `${(nowMs / 1000).toFixed(2)} s`;
  const groups = partition === undefined ? "none" : partition.map((p) => p.length).join(" | ");
  showStats([
    ["nodes up", `${up}`],
    ["crashed", `${crashed} (${detected} detected by someone)`],
    ["stalled", `${stalled}`],
    ["links", `${total}`],
    ["partition", groups],
    ["blocked", `${state.blocks.size} directions`],
    ["up but believed dead", `${suspectedUp}`],
    ["holding back", `${heldTotal} messages at ${heldNodes} nodes`],
  ]);
  const waveText = pub < 0
    ? "no broadcast yet"
    : `#${pub} by node ${timeline.pubs[pub * 4]}: ${delivered} of ${up} up nodes delivered ` +
      `(${timeline.pubs[pub * 4 + 3]} in the whole run${
        wave === undefined ? "" : `; delay median ${wave.delayMs[0]} ms, 90% ${wave.delayMs[1]} ms`
      })`;
  element("wave-info").textContent = waveText;
  drawTraffic(state);
  Object.assign(view.dataset, {
    time: String(Math.round(nowMs)),
    step: String(state.step),
    nodesAlive: String(up),
    nodesCrashed: String(crashed),
    nodesStalled: String(stalled),
    links: String(total),
    linksDrawn: String(drawn.length / 2),
    partitionGroups: String(partition?.length ?? 0),
    held: String(heldTotal),
    believedDead: String(suspectedUp + detected),
    wave: String(pub),
    waveDelivered: String(delivered),
  });
}

function showStats(rows: [string, string][]): void {
  const list = element("stats");
  list.replaceChildren();
  for (const [name, value] of rows) {
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = value;
    list.append(dt, dd);
  }
}

let txSeries: { names: string[]; values: Float64Array[]; peak: number } | undefined;

/** The chart's series, once: the busiest types, the rest as "other". */
function trafficSeries(): NonNullable<typeof txSeries> {
  if (txSeries !== undefined) return txSeries;
  const { types, counts } = timeline.tx;
  const buckets = types.length === 0 ? 0 : counts.length / types.length;
  const totals = types.map((_, t) => {
    let sum = 0;
    for (let b = 0; b < buckets; b++) sum += counts[b * types.length + t]!;
    return sum;
  });
  const order = types.map((_, t) => t).sort((a, b) => totals[b]! - totals[a]!);
  const shown = order.slice(0, TX_TYPES_SHOWN);
  const names = shown.map((t) => types[t]!);
  const values = shown.map((t) =>
    Float64Array.from({ length: buckets }, (_, b) => counts[b * types.length + t]!)
  );
  if (order.length > TX_TYPES_SHOWN) {
    names.push("other");
    values.push(Float64Array.from({ length: buckets }, (_, b) => {
      let sum = 0;
      for (const t of order.slice(TX_TYPES_SHOWN)) sum += counts[b * types.length + t]!;
      return sum;
    }));
  }
  let peak = 1;
  for (let b = 0; b < buckets; b++) {
    let sum = 0;
    for (const series of values) sum += series[b]!;
    peak = Math.max(peak, sum);
  }
  const legend = element("tx-legend");
  legend.replaceChildren();
  names.forEach((name, s) => {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = TX_COLOURS[s]!;
    item.append(swatch, name);
    legend.append(item);
  });
  element("tx-caption").textContent =
    `all nodes, per ${timeline.tx.bucketMs} ms (square-root scale; peak ${peak})`;
  return txSeries = { names, values, peak };
}

/** A stacked area of messages sent per type (square-root scale: bursts would flatten the rest), with the current time marked. */
function drawTraffic(_state: ReplayState): void {
  const { values, peak } = trafficSeries();
  const dpr = globalThis.devicePixelRatio || 1;
  const [width, height] = [txCanvas.clientWidth, txCanvas.clientHeight];
  if (txCanvas.width !== Math.round(width * dpr)) txCanvas.width = Math.round(width * dpr);
  if (txCanvas.height !== Math.round(height * dpr)) txCanvas.height = Math.round(height * dpr);
  const g = txCanvas.getContext("2d")!;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, width, height);
  const buckets = values[0]?.length ?? 0;
  if (buckets === 0) return;
  const base = new Float64Array(buckets);
  values.forEach((series, s) => {
    g.fillStyle = TX_COLOURS[s]!;
    g.beginPath();
    for (let b = 0; b < buckets; b++) {
      g.lineTo(
        (b / Math.max(1, buckets - 1)) * width,
        height - Math.sqrt((base[b]! + series[b]!) / peak) * height,
      );
    }
    for (let b = buckets - 1; b >= 0; b--) {
      g.lineTo(
        (b / Math.max(1, buckets - 1)) * width,
        height - Math.sqrt(base[b]! / peak) * height,
      );
    }
    g.fill();
    for (let b = 0; b < buckets; b++) base[b]! += series[b]!;
  });
  const x = (nowMs / Math.max(1, timeline.endMs)) * width;
  g.fillStyle = "#000";
  g.fillRect(x - 0.5, 0, 1, height);
}

main().catch((error) => {
  statusLine.textContent = `cannot load the replay: ${(error as Error).message}`;
  view.dataset.ready = "error";
});
