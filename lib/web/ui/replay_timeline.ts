/**
 * The replay timeline: what `deno task sim:view` ships to its page, built
 * once from a `p2pchat-sim-trace/1` file, and the state of the network at
 * any time of it. Pure and browser-safe: the page and the tests use it alike.
 *
 * The timeline is a flat list of operations (three integers each) grouped in
 * time steps; {@linkcode applyStep} plays one step onto a
 * {@linkcode ReplayState}. Membership verdicts arrive already aggregated (per
 * node, how many others now believe it alive or dead), so the page never
 * holds the N × N belief matrix.
 *
 * @module
 */

/** The format name of a timeline. */
export const REPLAY_TIMELINE_FORMAT = "p2pchat-replay/1";

/** Integers per operation in {@linkcode ReplayTimeline.ops}. */
export const OP_WIDTH = 3;

/** Operation codes: `[code, a, b]`. */
export const Op = {
  /** Node `a` starts (or restarts); `b` 1 for the bootstrap. */
  start: 1,
  /** Node `a` crashed. */
  crash: 2,
  /** Node `a` is stalled until virtual time `b` ms. */
  stall: 3,
  /** Node `a` has a new neighbour link to `b`. */
  linkUp: 4,
  /** Node `a` lost its neighbour link to `b`. */
  linkDown: 5,
  /** Traffic from `a` to `b` is cut. */
  block: 6,
  /** The network splits into {@linkcode ReplayTimeline.partitions}`[a]`. */
  partition: 7,
  /** Every block and partition is lifted. */
  heal: 8,
  /** Node `a` holds `b` messages back. */
  held: 9,
  /** `b` more nodes believe node `a` alive (negative: fewer). */
  aliveBy: 10,
  /** `b` more nodes believe node `a` dead (negative: fewer). */
  deadBy: 11,
} as const;

/** What the page gets: the run, the node positions, the operations per step, broadcasts and traffic. */
export interface ReplayTimeline {
  format: typeof REPLAY_TIMELINE_FORMAT;
  scenario: string;
  seed: number;
  /** Peers the run started with. */
  initialNodes: number;
  stepMs: number;
  /** Virtual time the run ended, ms. */
  endMs: number;
  /** Per node index: its address. */
  addrs: string[];
  /** Per node index: its layout position, flat `[x0, y0, x1, y1, …]`, each in [0, 1]. */
  positions: number[];
  /** Start time (ms) of each step that has operations, ascending. */
  stepTimes: number[];
  /** Index into `ops` (in operations, not integers) where each step starts; one more entry at the end. */
  stepStarts: number[];
  /** The operations, {@linkcode OP_WIDTH} integers each. */
  ops: number[];
  /** The node groups of each `partition` operation. */
  partitions: number[][][];
  /** Broadcasts, flat `[author, seq, publishedMs, deliveries, …]`; their waves are served one by one. */
  pubs: number[];
  /** Messages sent per type, summed over buckets of `bucketMs`. */
  tx: { types: string[]; bucketMs: number; counts: number[] };
}

/** Node status in {@linkcode ReplayState.status}. */
export const Status = { absent: 0, up: 1, crashed: 2 } as const;

/** The network at one moment. */
export interface ReplayState {
  /** Steps applied: the state after `stepTimes[step - 1]`. */
  step: number;
  status: Uint8Array;
  bootstrap: Uint8Array;
  /** Virtual time each node is stalled until (0: not stalled). */
  stalledUntil: Float64Array;
  held: Int32Array;
  aliveBy: Int32Array;
  deadBy: Int32Array;
  /** Index into the timeline's partitions, or -1. */
  partition: number;
  /** Directed neighbour links, as `from * nodes + to`. */
  links: Set<number>;
  /** Cut directions, as `from * nodes + to`. */
  blocks: Set<number>;
}

/** The state before anything happened, for `nodes` node indices. */
export function emptyState(nodes: number): ReplayState {
  return {
    step: 0,
    status: new Uint8Array(nodes),
    bootstrap: new Uint8Array(nodes),
    stalledUntil: new Float64Array(nodes),
    held: new Int32Array(nodes),
    aliveBy: new Int32Array(nodes),
    deadBy: new Int32Array(nodes),
    partition: -1,
    links: new Set(),
    blocks: new Set(),
  };
}

/** A copy of `state` sharing nothing with it. */
export function cloneState(state: ReplayState): ReplayState {
  return {
    step: state.step,
    status: state.status.slice(),
    bootstrap: state.bootstrap.slice(),
    stalledUntil: state.stalledUntil.slice(),
    held: state.held.slice(),
    aliveBy: state.aliveBy.slice(),
    deadBy: state.deadBy.slice(),
    partition: state.partition,
    links: new Set(state.links),
    blocks: new Set(state.blocks),
  };
}

/** Plays step `state.step` of `timeline` onto `state` (in place). */
export function applyStep(timeline: ReplayTimeline, state: ReplayState): void {
  const n = timeline.addrs.length;
  const ops = timeline.ops;
  const end = timeline.stepStarts[state.step + 1]! * OP_WIDTH;
  for (let at = timeline.stepStarts[state.step]! * OP_WIDTH; at < end; at += OP_WIDTH) {
    const a = ops[at + 1]!;
    const b = ops[at + 2]!;
    switch (ops[at]) {
      case Op.start:
        state.status[a] = Status.up;
        state.bootstrap[a] = b;
        state.stalledUntil[a] = 0;
        state.held[a] = 0;
        break;
      case Op.crash:
        state.status[a] = Status.crashed;
        state.stalledUntil[a] = 0;
        state.held[a] = 0;
        break;
      case Op.stall:
        state.stalledUntil[a] = b;
        break;
      case Op.linkUp:
        state.links.add(a * n + b);
        break;
      case Op.linkDown:
        state.links.delete(a * n + b);
        break;
      case Op.block:
        state.blocks.add(a * n + b);
        break;
      case Op.partition:
        state.partition = a;
        break;
      case Op.heal:
        state.partition = -1;
        state.blocks.clear();
        break;
      case Op.held:
        state.held[a] = b;
        break;
      case Op.aliveBy:
        state.aliveBy[a]! += b;
        break;
      case Op.deadBy:
        state.deadBy[a]! += b;
        break;
      default:
        throw new RangeError(`Cannot replay: unknown operation ${ops[at]} in step ${state.step}`);
    }
  }
  state.step++;
}

/** How many steps apply at virtual time `ms`: those starting at or before it. */
export function stepsAt(timeline: ReplayTimeline, ms: number): number {
  let low = 0;
  let high = timeline.stepTimes.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (timeline.stepTimes[mid]! <= ms) low = mid + 1;
    else high = mid;
  }
  return low;
}
