/**
 * Turns the events of a `p2pchat-sim-trace/1` file into the compact
 * {@linkcode ReplayTimeline} the replay page plays, plus each broadcast's
 * wave (who delivered it when), served to the page one at a time.
 *
 * Membership verdicts are resolved here, where memory is plenty: the
 * converter keeps who believes whom alive or dead and emits only, per step,
 * how many more or fewer nodes believe each node alive or dead. A crashed or
 * restarted node's beliefs stop counting.
 *
 * @module
 */

import {
  Op,
  OP_WIDTH,
  REPLAY_TIMELINE_FORMAT,
  type ReplayTimeline,
} from "../../../lib/web/ui/replay_timeline.ts";
import type { TraceEvent, TraceHeaderLine } from "../trace_reader.ts";

/**
 * Most node indices a trace may have: the page draws every node, and the
 * converter keeps who believes whom alive or dead (a byte per pair: 25 MB
 * at the limit).
 */
export const REPLAY_NODES_MAX = 5_000;

/** Most state changes a timeline takes (3 integers each; about 50 MB of JSON at the limit, parsed by the page too). */
export const REPLAY_OPS_MAX = 4_000_000;

/** Most buckets in the traffic chart; a long run gets wider buckets. */
export const REPLAY_TX_BUCKETS_MAX = 600;

/** A trace the viewer cannot take. */
export class ReplayLimitError extends Error {}

/** A timeline without positions, and the waves of its broadcasts. */
export interface ConvertedTrace {
  timeline: Omit<ReplayTimeline, "positions">;
  /** Per broadcast (as in `pubs`): flat `[node, deliveredMs, …]` in delivery order. */
  waves: number[][];
  /** Undirected links ever seen, as `[low, high, steps up]` flat: what the layout pulls together. */
  linkWeights: number[];
}

const BELIEF_NONE = 0;
const BELIEF_ALIVE = 1;
const BELIEF_DEAD = 2;

/** Reads every event of a trace into a timeline. */
export async function traceToTimeline(
  header: TraceHeaderLine,
  events: AsyncIterable<TraceEvent>,
): Promise<ConvertedTrace> {
  const addrs: string[] = [];
  const stepTimes: number[] = [];
  const stepStarts: number[] = [];
  const ops: number[] = [];
  const partitions: number[][][] = [];
  const pubs: number[] = [];
  const waves: number[][] = [];
  const pubIndex = new Map<string, number>();
  const txSteps: [number, Record<string, number>][] = [];
  /** Per observer node: its belief about each node. */
  const beliefs: Uint8Array[] = [];
  /** Per node, this step's change of [aliveBy, deadBy]. */
  const beliefDelta = new Map<number, [number, number]>();
  /** Undirected link key → the time it came up (while up). */
  const linkUpSince = new Map<number, number>();
  /** Undirected link key → steps it was up, summed over its periods up. */
  const linkUpSteps = new Map<number, number>();
  let stepMs = -1;
  let endMs = 0;

  const node = (i: number): boolean => {
    if (!Number.isInteger(i) || i < 0) return false;
    if (i >= REPLAY_NODES_MAX) {
      throw new ReplayLimitError(
        `Trace has node ${i}: the viewer takes at most ${REPLAY_NODES_MAX}`,
      );
    }
    while (addrs.length <= i) addrs.push("");
    return true;
  };
  const op = (code: number, a: number, b: number) => {
    if (ops.length / OP_WIDTH >= REPLAY_OPS_MAX) {
      throw new ReplayLimitError(`Trace too large: more than ${REPLAY_OPS_MAX} operations`);
    }
    ops.push(code, a, b);
  };
  const believe = (i: number, j: number, belief: number) => {
    const row = beliefs[i] ??= new Uint8Array(64);
    if (j >= row.length) {
      const grown = new Uint8Array(Math.max(j + 1, row.length * 2));
      grown.set(row);
      beliefs[i] = grown;
      return believe(i, j, belief);
    }
    const before = row[j]!;
    if (before === belief) return;
    row[j] = belief;
    const delta = beliefDelta.get(j) ?? [0, 0];
    delta[0] += (belief === BELIEF_ALIVE ? 1 : 0) - (before === BELIEF_ALIVE ? 1 : 0);
    delta[1] += (belief === BELIEF_DEAD ? 1 : 0) - (before === BELIEF_DEAD ? 1 : 0);
    beliefDelta.set(j, delta);
  };
  const forget = (i: number) => {
    const row = beliefs[i];
    if (row === undefined) return;
    for (let j = 0; j < row.length; j++) if (row[j] !== BELIEF_NONE) believe(i, j, BELIEF_NONE);
  };
  const linkKey = (i: number, j: number) => Math.min(i, j) * REPLAY_NODES_MAX + Math.max(i, j);
  const flush = () => {
    for (const [j, [alive, dead]] of beliefDelta) {
      if (alive !== 0) op(Op.aliveBy, j, alive);
      if (dead !== 0) op(Op.deadBy, j, dead);
    }
    beliefDelta.clear();
  };
  const beginStep = (t: number) => {
    if (t === stepMs) return;
    flush();
    if (stepTimes.length > 0 && ops.length / OP_WIDTH === stepStarts.at(-1)) {
      // The previous step had nothing to replay: reuse it.
      stepTimes.pop();
      stepStarts.pop();
    }
    stepMs = t;
    stepTimes.push(t);
    stepStarts.push(ops.length / OP_WIDTH);
  };

  for await (const event of events) {
    if (event.kind === "end") {
      endMs = event.t;
      continue;
    }
    beginStep(event.t);
    switch (event.kind) {
      case "node":
        if (!node(event.node)) break;
        addrs[event.node] = event.addr;
        forget(event.node);
        op(Op.start, event.node, event.role === "bootstrap" ? 1 : 0);
        break;
      case "crash":
        if (!node(event.node)) break;
        forget(event.node);
        op(Op.crash, event.node, event.reset ? 1 : 0);
        break;
      case "stall":
        if (node(event.node)) op(Op.stall, event.node, event.untilMs);
        break;
      case "block":
        if (node(event.from) && node(event.to)) op(Op.block, event.from, event.to);
        break;
      case "partition":
        if (!Array.isArray(event.groups) || !event.groups.every(Array.isArray)) break;
        for (const group of event.groups) for (const i of group) node(i);
        partitions.push(event.groups);
        op(Op.partition, partitions.length - 1, 0);
        break;
      case "heal":
        op(Op.heal, 0, 0);
        break;
      case "held":
        if (node(event.node)) op(Op.held, event.node, event.count);
        break;
      case "alive":
      case "dead":
        if (node(event.node) && node(event.peer) && event.node !== event.peer) {
          believe(event.node, event.peer, event.kind === "alive" ? BELIEF_ALIVE : BELIEF_DEAD);
        }
        break;
      case "up":
      case "down":
        if (!node(event.node) || !Array.isArray(event.peers)) break;
        for (const peer of event.peers) {
          if (!node(peer)) continue;
          op(event.kind === "up" ? Op.linkUp : Op.linkDown, event.node, peer);
          const key = linkKey(event.node, peer);
          if (event.kind === "up") {
            if (!linkUpSince.has(key)) linkUpSince.set(key, event.t);
          } else {
            const since = linkUpSince.get(key);
            if (since !== undefined) {
              linkUpSteps.set(
                key,
                (linkUpSteps.get(key) ?? 0) + (event.t - since) / header.step_ms,
              );
              linkUpSince.delete(key);
            }
          }
        }
        break;
      case "pub": {
        if (!node(event.node)) break;
        pubIndex.set(`${event.node}:${event.seq}`, waves.length);
        pubs.push(event.node, event.seq, event.t, 0);
        waves.push([]);
        break;
      }
      case "deliver": {
        const k = pubIndex.get(`${event.author}:${event.seq}`);
        if (k === undefined || !node(event.node)) break;
        waves[k]!.push(event.node, event.t);
        pubs[k * 4 + 3]!++;
        break;
      }
      case "tx":
        txSteps.push([event.t, event.sent]);
        break;
      case "skip":
      case "prune":
        // Not drawn: repair give-ups and lazy links are below what the overview shows.
        break;
    }
  }
  flush();
  stepStarts.push(ops.length / OP_WIDTH);
  endMs = Math.max(endMs, stepMs, 0);
  for (const [key, since] of linkUpSince) {
    linkUpSteps.set(key, (linkUpSteps.get(key) ?? 0) + (endMs - since) / header.step_ms);
  }
  const linkWeights: number[] = [];
  for (const [key, steps] of linkUpSteps) {
    linkWeights.push(Math.floor(key / REPLAY_NODES_MAX), key % REPLAY_NODES_MAX, steps);
  }
  return {
    timeline: {
      format: REPLAY_TIMELINE_FORMAT,
      scenario: header.scenario,
      seed: header.seed,
      initialNodes: header.nodes,
      stepMs: header.step_ms,
      endMs,
      addrs,
      stepTimes,
      stepStarts,
      ops,
      partitions,
      pubs,
      tx: bucketTx(txSteps, endMs, header.step_ms),
    },
    waves,
    linkWeights,
  };
}

/** Sums per-step send counts into at most {@linkcode REPLAY_TX_BUCKETS_MAX} buckets. */
function bucketTx(
  steps: [number, Record<string, number>][],
  endMs: number,
  stepMs: number,
): ReplayTimeline["tx"] {
  const bucketMs = stepMs *
    Math.max(1, Math.ceil((endMs + stepMs) / stepMs / REPLAY_TX_BUCKETS_MAX));
  const buckets = Math.floor(endMs / bucketMs) + 1;
  const types: string[] = [];
  const typeIndex = new Map<string, number>();
  for (const [, sent] of steps) {
    for (const type of Object.keys(sent)) {
      if (!typeIndex.has(type)) typeIndex.set(type, types.push(type) - 1);
    }
  }
  const counts = new Array<number>(buckets * types.length).fill(0);
  for (const [t, sent] of steps) {
    const bucket = Math.min(buckets - 1, Math.floor(t / bucketMs));
    for (const [type, count] of Object.entries(sent)) {
      counts[bucket * types.length + typeIndex.get(type)!]! += count;
    }
  }
  return { types, bucketMs, counts };
}
