import assert from "node:assert/strict";
import fc from "fast-check";
import { REPLAY_KEYFRAMES_MAX, ReplayIndex } from "../../../lib/web/ui/replay_index.ts";
import {
  applyStep,
  emptyState,
  Op,
  OP_WIDTH,
  REPLAY_TIMELINE_FORMAT,
  type ReplayState,
  type ReplayTimeline,
  stepsAt,
} from "../../../lib/web/ui/replay_timeline.ts";

const NODES = 6;

/** A timeline of `steps` (each a list of [code, a, b]) 10 ms apart. */
function timelineOf(steps: [number, number, number][][]): ReplayTimeline {
  const ops: number[] = [];
  const stepStarts: number[] = [];
  for (const step of steps) {
    stepStarts.push(ops.length / OP_WIDTH);
    for (const op of step) ops.push(...op);
  }
  stepStarts.push(ops.length / OP_WIDTH);
  return {
    format: REPLAY_TIMELINE_FORMAT,
    scenario: "test",
    seed: 0,
    initialNodes: NODES,
    stepMs: 10,
    endMs: steps.length * 10,
    addrs: Array.from({ length: NODES }, (_, i) => `10.0.0.${i}:9000`),
    positions: Array.from({ length: 2 * NODES }, () => 0.5),
    stepTimes: steps.map((_, k) => k * 10),
    stepStarts,
    ops,
    partitions: [[[0, 1, 2], [3, 4, 5]], [[0], [1, 2, 3, 4, 5]]],
    pubs: [],
    tx: { types: [], bucketMs: 10, counts: [] },
  };
}

/** Everything a state holds, comparable with deepStrictEqual. */
function plain(state: ReplayState) {
  return {
    ...state,
    status: [...state.status],
    bootstrap: [...state.bootstrap],
    stalledUntil: [...state.stalledUntil],
    held: [...state.held],
    aliveBy: [...state.aliveBy],
    deadBy: [...state.deadBy],
    links: [...state.links].sort((a, b) => a - b),
    blocks: [...state.blocks].sort((a, b) => a - b),
  };
}

function fromScratch(timeline: ReplayTimeline, steps: number): ReplayState {
  const state = emptyState(timeline.addrs.length);
  while (state.step < steps) applyStep(timeline, state);
  return state;
}

const node = fc.integer({ min: 0, max: NODES - 1 });
const op: fc.Arbitrary<[number, number, number]> = fc.oneof(
  fc.tuple(fc.constant(Op.start), node, fc.integer({ min: 0, max: 1 })),
  fc.tuple(fc.constant(Op.crash), node, fc.integer({ min: 0, max: 1 })),
  fc.tuple(fc.constant(Op.stall), node, fc.integer({ min: 0, max: 500 })),
  fc.tuple(fc.constant(Op.linkUp), node, node),
  fc.tuple(fc.constant(Op.linkDown), node, node),
  fc.tuple(fc.constant(Op.block), node, node),
  fc.tuple(fc.constant(Op.partition), fc.integer({ min: 0, max: 1 }), fc.constant(0)),
  fc.tuple(fc.constant(Op.heal), fc.constant(0), fc.constant(0)),
  fc.tuple(fc.constant(Op.held), node, fc.integer({ min: 0, max: 9 })),
  fc.tuple(fc.constant(Op.aliveBy), node, fc.integer({ min: -3, max: 3 })),
  fc.tuple(fc.constant(Op.deadBy), node, fc.integer({ min: -3, max: 3 })),
);

Deno.test("ReplayIndex.stateAfter() gives, for any seek order, the state of a replay from the start", () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(op, { maxLength: 6 }), { minLength: 1, maxLength: 60 }),
      fc.integer({ min: 1, max: 7 }),
      fc.array(fc.integer({ min: -2, max: 70 }), { minLength: 1, maxLength: 20 }),
      (steps, keyframeSteps, seeks) => {
        const timeline = timelineOf(steps);
        const index = new ReplayIndex(timeline, { keyframeSteps });
        for (const target of seeks) {
          const clamped = Math.max(0, Math.min(target, steps.length));
          assert.deepStrictEqual(
            plain(index.stateAfter(target)),
            plain(fromScratch(timeline, clamped)),
          );
        }
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("ReplayIndex.stateAt() applies the steps starting at or before the time", () => {
  const timeline = timelineOf([
    [[Op.start, 0, 1]],
    [[Op.start, 1, 0], [Op.linkUp, 1, 0]],
    [[Op.crash, 1, 1], [Op.linkDown, 1, 0]],
  ]);
  const index = new ReplayIndex(timeline, { keyframeSteps: 1 });
  assert.deepStrictEqual(stepsAt(timeline, -1), 0);
  assert.deepStrictEqual(index.stateAt(0).step, 1);
  assert.deepStrictEqual([...index.stateAt(15).status.slice(0, 2)], [1, 1]);
  assert.deepStrictEqual([...index.stateAt(15).links], [1 * NODES + 0]);
  assert.deepStrictEqual([...index.stateAt(20).status.slice(0, 2)], [1, 2]);
  assert.deepStrictEqual(index.stateAt(20).links.size, 0);
  assert.deepStrictEqual(index.stateAt(1e9).step, 3);
});

Deno.test("ReplayIndex keeps at most REPLAY_KEYFRAMES_MAX keyframes however long the run", () => {
  const steps = Array.from({ length: 100_000 }, (_, k) =>
    [[Op.held, k % NODES, k % 7]] as [
      number,
      number,
      number,
    ][]);
  const timeline = timelineOf(steps);
  const index = new ReplayIndex(timeline);
  assert(index.keyframeCount <= REPLAY_KEYFRAMES_MAX + 1, `${index.keyframeCount} keyframes`);
  assert.deepStrictEqual(
    plain(index.stateAfter(54_321)),
    plain(fromScratch(timeline, 54_321)),
  );
});

Deno.test("applyStep() refuses an unknown operation with a clear error", () => {
  const timeline = timelineOf([[[99, 0, 0]]]);
  assert.throws(() => new ReplayIndex(timeline), /Cannot replay: unknown operation 99 in step 0/);
});
