import assert from "node:assert/strict";
import { runScenario } from "../../../../testing/sim/scenarios.ts";
import { TraceWriter } from "../../../../testing/sim/trace_writer.ts";
import { readTrace, type TraceEvent } from "../../../../testing/sim/trace_reader.ts";
import {
  REPLAY_NODES_MAX,
  REPLAY_OPS_MAX,
  ReplayLimitError,
  traceToTimeline,
} from "../../../../testing/sim/viewer/trace_timeline.ts";
import { loadReplay } from "../../../../testing/sim/viewer/replay_server.ts";
import { layoutNodes } from "../../../../testing/sim/viewer/replay_layout.ts";
import { ReplayIndex } from "../../../../lib/web/ui/replay_index.ts";
import { Status } from "../../../../lib/web/ui/replay_timeline.ts";

function stream(lines: string[]): ReadableStream<Uint8Array> {
  return ReadableStream.from([new TextEncoder().encode(lines.join("\n") + "\n")]);
}

/** The trace lines of a 10-node chaos run (crashes, stalls, partitions, blocks, broadcasts). */
function chaosTrace(): string[] {
  const lines: string[] = [];
  const writer = new TraceWriter({ write: (l) => lines.push(l) });
  writer.header({ scenario: "chaos", nodes: 10, seed: 2, options: {} });
  let endMs = 0;
  runScenario({
    scenario: "chaos",
    nodes: 10,
    seed: 2,
    observers: [writer],
    onFinish: (world) => (endMs = world.net.nowMs),
  });
  writer.finish(endMs);
  return lines;
}

const LINES = chaosTrace();

async function eventsOf(lines: string[]): Promise<TraceEvent[]> {
  const { events } = await readTrace(stream(lines));
  const all: TraceEvent[] = [];
  for await (const e of events) all.push(e);
  return all;
}

/** What the trace says at its end, worked out plainly from the events. */
function expectedEnd(events: TraceEvent[]) {
  const status = new Map<number, number>();
  const links = new Set<string>();
  const beliefs = new Map<number, Map<number, "alive" | "dead">>();
  const held = new Map<number, number>();
  for (const e of events) {
    if (e.kind === "node" || e.kind === "crash") {
      status.set(e.node, e.kind === "node" ? Status.up : Status.crashed);
      beliefs.delete(e.node);
      held.set(e.node, 0);
    } else if (e.kind === "up") {
      for (const p of e.peers) links.add(`${e.node}>${p}`);
    } else if (e.kind === "down") {
      for (const p of e.peers) links.delete(`${e.node}>${p}`);
    } else if ((e.kind === "alive" || e.kind === "dead") && e.node >= 0 && e.peer >= 0) {
      if (!beliefs.has(e.node)) beliefs.set(e.node, new Map());
      beliefs.get(e.node)!.set(e.peer, e.kind);
    } else if (e.kind === "held") {
      held.set(e.node, e.count);
    }
  }
  const aliveBy = new Map<number, number>();
  const deadBy = new Map<number, number>();
  for (const row of beliefs.values()) {
    for (const [peer, belief] of row) {
      const counts = belief === "alive" ? aliveBy : deadBy;
      counts.set(peer, (counts.get(peer) ?? 0) + 1);
    }
  }
  return { status, links, aliveBy, deadBy, held };
}

Deno.test("traceToTimeline() replays a simulated chaos run to the state its events describe", async () => {
  const events = await eventsOf(LINES);
  const { header, events: stream2 } = await readTrace(stream(LINES));
  const { timeline, waves } = await traceToTimeline(header, stream2);
  const nodeLines = events.filter((e) => e.kind === "node");
  assert.deepStrictEqual(timeline.addrs.length, Math.max(...nodeLines.map((e) => e.node)) + 1);
  assert(events.some((e) => e.kind === "crash"), "the run has crashes");
  assert(events.some((e) => e.kind === "dead"), "the run has dead verdicts");

  const index = new ReplayIndex({ ...timeline, positions: [] });
  const state = index.stateAfter(timeline.stepTimes.length);
  const want = expectedEnd(events);
  const n = timeline.addrs.length;
  for (let i = 0; i < n; i++) {
    assert.deepStrictEqual(state.status[i], want.status.get(i) ?? Status.absent, `status of ${i}`);
    assert.deepStrictEqual(state.aliveBy[i], want.aliveBy.get(i) ?? 0, `aliveBy of ${i}`);
    assert.deepStrictEqual(state.deadBy[i], want.deadBy.get(i) ?? 0, `deadBy of ${i}`);
    assert.deepStrictEqual(state.held[i], want.held.get(i) ?? 0, `held of ${i}`);
  }
  const links = new Set([...state.links].map((k) => `${Math.floor(k / n)}>${k % n}`));
  assert.deepStrictEqual(links, want.links);

  const pubs = events.filter((e) => e.kind === "pub");
  assert(pubs.length > 0);
  assert.deepStrictEqual(timeline.pubs.length / 4, pubs.length);
  const deliveries = events.filter((e) => e.kind === "deliver").length;
  assert.deepStrictEqual(waves.reduce((sum, w) => sum + w.length / 2, 0), deliveries);
  for (let k = 0; k < pubs.length; k++) {
    assert.deepStrictEqual(timeline.pubs[k * 4 + 3], waves[k]!.length / 2);
  }

  const sent = new Map<string, number>();
  for (const e of events) {
    if (e.kind !== "tx") continue;
    for (const [type, count] of Object.entries(e.sent)) {
      sent.set(type, (sent.get(type) ?? 0) + count);
    }
  }
  const { types, counts } = timeline.tx;
  for (const [t, type] of types.entries()) {
    let sum = 0;
    for (let b = t; b < counts.length; b += types.length) sum += counts[b]!;
    assert.deepStrictEqual(sum, sent.get(type), `tx ${type}`);
  }
  assert.deepStrictEqual(timeline.endMs, (events.at(-1) as { t: number }).t);
});

Deno.test("traceToTimeline() counts a crashed observer's verdicts no more", async () => {
  const lines = [
    JSON.stringify({
      format: "p2pchat-sim-trace/1",
      step_ms: 10,
      scenario: "x",
      nodes: 3,
      seed: 1,
    }),
    '["t",0]',
    '["node",0,"a:1","00","bootstrap"]',
    '["node",1,"b:1","11","peer"]',
    '["node",2,"c:1","22","peer"]',
    '["t",10]',
    '["dead",1,2,"not-answering"]',
    '["dead",0,2,"not-answering"]',
    '["alive",1,0]',
    '["t",20]',
    '["crash",1,0]',
    '["end",30]',
  ];
  const { header, events } = await readTrace(stream(lines));
  const { timeline } = await traceToTimeline(header, events);
  const index = new ReplayIndex({ ...timeline, positions: [] });
  assert.deepStrictEqual([...index.stateAt(10).deadBy], [0, 0, 2]);
  assert.deepStrictEqual([...index.stateAt(10).aliveBy], [1, 0, 0]);
  assert.deepStrictEqual([...index.stateAt(20).deadBy], [0, 0, 1]);
  assert.deepStrictEqual([...index.stateAt(20).aliveBy], [0, 0, 0]);
  assert.deepStrictEqual(timeline.endMs, 30);
});

Deno.test("traceToTimeline() refuses a node index over REPLAY_NODES_MAX", async () => {
  const lines = [
    JSON.stringify({
      format: "p2pchat-sim-trace/1",
      step_ms: 10,
      scenario: "x",
      nodes: 1,
      seed: 1,
    }),
    '["t",0]',
    `["node",${REPLAY_NODES_MAX},"a:1","00","peer"]`,
  ];
  const { header, events } = await readTrace(stream(lines));
  await assert.rejects(traceToTimeline(header, events), ReplayLimitError);
});

Deno.test("layoutNodes() places every node in [0, 1] and linked nodes closer than the average", () => {
  const weights: number[] = [];
  for (let i = 0; i < 20; i++) weights.push(i, (i + 1) % 20, 10);
  const positions = layoutNodes(21, weights);
  assert.deepStrictEqual(positions.length, 42);
  assert(positions.every((v) => v >= 0 && v <= 1), "in the unit square");
  const distance = (a: number, b: number) =>
    Math.hypot(
      positions[2 * a]! - positions[2 * b]!,
      positions[2 * a + 1]! - positions[2 * b + 1]!,
    );
  let linked = 0;
  let all = 0;
  for (let i = 0; i < 20; i++) linked += distance(i, (i + 1) % 20) / 20;
  for (let i = 0; i < 20; i++) for (let j = 0; j < 20; j++) all += distance(i, j) / 400;
  assert(linked < all, `linked ${linked} vs average ${all}`);
  assert.deepStrictEqual(layoutNodes(21, weights), positions, "the same picture every time");
});

Deno.test("loadReplay() refuses missing, empty, non-JSON, foreign-format and broken-gzip files with one-line errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(loadReplay(`${dir}/missing.jsonl`), Deno.errors.NotFound);
    const cases: [string, string | Uint8Array, RegExp][] = [
      ["empty.jsonl", "", /^Empty trace: no header line$/],
      ["text.jsonl", "hello\n", /^Trace line 1: not JSON$/],
      ["other.jsonl", '{"format":"other/9"}\n', /^Trace line 1: format "other\/9", expected/],
      [
        "kind.jsonl",
        '{"format":"p2pchat-sim-trace/1","step_ms":10}\n["t",0]\n["zap",1]\n',
        /^Trace line 3: unknown event "zap"$/,
      ],
      ["broken.jsonl.gz", "not gzip at all", /./],
    ];
    for (const [name, body, message] of cases) {
      await Deno.writeFile(
        `${dir}/${name}`,
        typeof body === "string" ? new TextEncoder().encode(body) : body,
      );
      await assert.rejects(loadReplay(`${dir}/${name}`), (error: Error) => {
        assert.match(error.message, message, name);
        assert(!error.message.includes("\n"), `${name}: one line`);
        return true;
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("traceToTimeline() refuses a trace over REPLAY_OPS_MAX state changes", async () => {
  const header = JSON.stringify({
    format: "p2pchat-sim-trace/1",
    step_ms: 10,
    scenario: "x",
    nodes: 2,
    seed: 1,
  });
  const perLine = 1000;
  const peers = JSON.stringify(Array.from({ length: perLine }, (_, i) => i + 1));
  const lines = Math.ceil(REPLAY_OPS_MAX / perLine / 2) + 1;
  async function* body() {
    yield new TextEncoder().encode(`${header}\n["t",0]\n`);
    for (let k = 0; k < lines; k++) {
      yield new TextEncoder().encode(`["up",0,${peers}]\n["down",0,${peers}]\n`);
    }
  }
  const { header: parsed, events } = await readTrace(ReadableStream.from(body()));
  await assert.rejects(
    traceToTimeline(parsed, events),
    (error: Error) =>
      error instanceof ReplayLimitError &&
      error.message === `Trace too large: more than ${REPLAY_OPS_MAX} operations`,
  );
});
