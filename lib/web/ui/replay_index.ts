/**
 * Fast seeking in a replay: snapshots of the state every K steps
 * (keyframes), so the state at any time is the nearest earlier keyframe plus
 * at most K steps. The keyframe count is capped, so memory is bounded
 * whatever the length of the run; playing forward applies steps to the
 * current state without going back to a keyframe.
 *
 * @module
 */

import {
  applyStep,
  cloneState,
  emptyState,
  type ReplayState,
  type ReplayTimeline,
  stepsAt,
} from "./replay_timeline.ts";

/** Most keyframes kept (each about 30 bytes per node plus 4 per directed link). */
export const REPLAY_KEYFRAMES_MAX = 256;

/** Fewest steps between keyframes (short runs need no more). */
export const REPLAY_KEYFRAME_STEPS_MIN = 32;

/** Options of {@linkcode ReplayIndex}. */
export interface ReplayIndexOptions {
  /** Steps between keyframes. Default: the smallest ≥ {@linkcode REPLAY_KEYFRAME_STEPS_MIN} giving at most {@linkcode REPLAY_KEYFRAMES_MAX}. */
  keyframeSteps?: number;
}

/** A state stored compactly: its links and blocks as typed arrays instead of sets. */
interface Keyframe {
  readonly state: ReplayState;
  readonly links: Int32Array;
  readonly blocks: Int32Array;
}

function keyframeOf(state: ReplayState): Keyframe {
  const copy = cloneState({ ...state, links: new Set(), blocks: new Set() });
  return {
    state: copy,
    links: Int32Array.from(state.links),
    blocks: Int32Array.from(state.blocks),
  };
}

function stateOf(keyframe: Keyframe): ReplayState {
  return cloneState({
    ...keyframe.state,
    links: new Set(keyframe.links),
    blocks: new Set(keyframe.blocks),
  });
}

/** The keyframes of a timeline and the state last sought. */
export class ReplayIndex {
  readonly #timeline: ReplayTimeline;
  readonly #every: number;
  readonly #keyframes: Keyframe[] = [];
  #current: ReplayState;

  /** Indexes `timeline`: plays it once from the start, keeping a keyframe every K steps. */
  constructor(timeline: ReplayTimeline, options: ReplayIndexOptions = {}) {
    this.#timeline = timeline;
    const steps = timeline.stepTimes.length;
    this.#every = options.keyframeSteps ??
      Math.max(REPLAY_KEYFRAME_STEPS_MIN, Math.ceil(steps / REPLAY_KEYFRAMES_MAX));
    if (!(this.#every >= 1)) throw new RangeError("Keyframe interval must be ≥ 1 step");
    const state = emptyState(timeline.addrs.length);
    this.#keyframes.push(keyframeOf(state));
    while (state.step < steps) {
      applyStep(timeline, state);
      if (state.step % this.#every === 0) this.#keyframes.push(keyframeOf(state));
    }
    this.#current = state;
  }

  /** Keyframes held. */
  get keyframeCount(): number {
    return this.#keyframes.length;
  }

  /** Bytes the keyframes' arrays take (what bounds the index's memory). */
  get keyframeBytes(): number {
    let bytes = 0;
    for (const { state, links, blocks } of this.#keyframes) {
      bytes += links.byteLength + blocks.byteLength + state.status.byteLength +
        state.bootstrap.byteLength + state.stalledUntil.byteLength + state.held.byteLength +
        state.aliveBy.byteLength + state.deadBy.byteLength;
    }
    return bytes;
  }

  /** Steps between keyframes. */
  get keyframeSteps(): number {
    return this.#every;
  }

  /**
   * The state after `steps` steps. The returned object is reused by the
   * next call: read it, do not keep it.
   */
  stateAfter(steps: number): ReplayState {
    const target = Math.max(0, Math.min(steps, this.#timeline.stepTimes.length));
    const keyframe = Math.floor(target / this.#every);
    const current = this.#current;
    // Forward within reach of the current state (playing): no keyframe needed.
    if (!(current.step <= target && Math.floor(current.step / this.#every) === keyframe)) {
      this.#current = stateOf(this.#keyframes[keyframe]!);
    }
    while (this.#current.step < target) applyStep(this.#timeline, this.#current);
    return this.#current;
  }

  /** The state at virtual time `ms` (every step starting at or before it applied); see {@linkcode stateAfter}. */
  stateAt(ms: number): ReplayState {
    return this.stateAfter(stepsAt(this.#timeline, ms));
  }
}
