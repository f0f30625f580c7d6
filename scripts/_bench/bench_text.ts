/**
 * The text of a benchmark chat message: padding, then a stamp saying which
 * phase and message it is and when the harness sent it. The stamp goes last
 * so that a delivery line can be read from its end (see `message_line.ts`).
 *
 * @module
 */

/** Which phase a message belongs to: `L` latency, `T` throughput. */
export type BenchPhase = "L" | "T";

/** What a benchmark message carries. */
export interface BenchStamp {
  /** The phase. */
  readonly phase: BenchPhase;
  /** Its index within the phase, from 0. */
  readonly index: number;
  /** When the harness handed it to the sender: `performance.timeOrigin + performance.now()`, ms. */
  readonly sentAtMs: number;
}

/** The character that starts a stamp; the padding never contains it. */
export const STAMP_START = "~";

/** The padding character. */
export const PADDING = "x";

/**
 * The text for `stamp`, padded in front with `x` to `payloadBytes` bytes. A
 * payload shorter than the stamp (about 25 bytes) gives the bare stamp.
 */
export function benchText(stamp: BenchStamp, payloadBytes: number): string {
  const tail = `${STAMP_START}${stamp.phase}${stamp.index}@${stamp.sentAtMs.toFixed(3)}`;
  return tail.length >= payloadBytes ? tail : PADDING.repeat(payloadBytes - tail.length) + tail;
}

/** The stamp at the end of `text`, or `undefined` when there is none. */
export function parseBenchText(text: string): BenchStamp | undefined {
  const match = /~([LT])(\d+)@(\d+(?:\.\d+)?)$/.exec(text);
  if (match === null) return undefined;
  return {
    phase: match[1] as BenchPhase,
    index: Number(match[2]),
    sentAtMs: Number(match[3]),
  };
}
