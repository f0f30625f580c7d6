/**
 * Two in-memory {@linkcode FrameTransport}s joined back to back, as a TCP
 * connection would join them, with a hook that may rewrite what goes over the
 * wire. Frames travel as bytes (4-byte length prefix and payload) and are read
 * back through a real `FrameDecoder`, so a rewritten prefix fails as it would
 * on a socket.
 *
 * The pipe notices when a reader can wait for nothing: its peer is waiting
 * too, or has retired (finished its part), and nothing is on the way.
 * Stuck inside a frame (a rewritten length promised more bytes), it is the
 * slow sender the runtime's handshake timeout is for: the pipe closes, as
 * that timeout would, and the read fails as truncated. Stuck between frames,
 * it is a deadlock of the protocol itself: the read throws
 * {@linkcode PipeDeadlockError} and the pipe records it.
 *
 * @module
 */

import type { FrameTransport } from "../../../lib/secure/channel.ts";
import { FrameDecoder } from "../../../lib/wire/frame_codec.ts";

/** What the hook does to one frame: the bytes to put on the wire instead, and whether to close after. */
export interface WireRewrite {
  /** Wire bytes (prefixes included) to deliver instead of the frame; empty closes the direction. */
  readonly bytes: Uint8Array;
  /** Close this direction after them (the connection broke). */
  readonly close?: boolean;
}

/**
 * Rewrites the `index`th frame (from 0) written in `direction` (0: from end
 * 0 to end 1). `wire` is the frame with its prefix. `undefined` delivers it as is.
 */
export type WireHook = (
  direction: 0 | 1,
  index: number,
  wire: Uint8Array,
) => WireRewrite | undefined;

/** One end of a {@linkcode memoryPipe}. */
export interface PipeEnd extends FrameTransport {
  /** Closes both directions, as closing a socket would. */
  close(): void;
  /** The frames this end read, in order. */
  readonly framesRead: readonly Uint8Array[];
  /** The frames this end wrote, in order, before any rewriting. */
  readonly framesWritten: readonly Uint8Array[];
  /** This end will neither read nor write any more (its handshake finished). */
  retire(): void;
}

/** Thrown by reads when the pipe deadlocked. */
export class PipeDeadlockError extends Error {
  /** Always `"PipeDeadlockError"`. */
  override name = "PipeDeadlockError";
}

/** Options of {@linkcode memoryPipe}. */
export interface MemoryPipeOptions {
  /** Rewrites frames on the wire. Default: none. */
  readonly hook?: WireHook;
  /** Largest frame the readers accept. Default 65535. */
  readonly frameBytesMax?: number;
}

/** A pipe: its two ends, and whether it ever deadlocked. */
export interface MemoryPipe {
  readonly ends: readonly [PipeEnd, PipeEnd];
  /** Whether a read was ever stuck between frames (a protocol deadlock). */
  readonly deadlocked: boolean;
  /** Whether a read was ever stuck inside a frame (so the pipe closed, as a timeout would). */
  readonly stalled: boolean;
}

interface Direction {
  readonly chunks: Uint8Array[];
  closed: boolean;
  written: number;
}

function framed(payload: Uint8Array): Uint8Array {
  const wire = new Uint8Array(4 + payload.length);
  new DataView(wire.buffer).setUint32(0, payload.length);
  wire.set(payload, 4);
  return wire;
}

/**
 * Makes a pipe.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { memoryPipe } from "./memory_pipe.ts";
 *
 * const pipe = memoryPipe();
 * const [a, b] = pipe.ends;
 * await a.writeFrame(new Uint8Array([7]));
 * assert.deepEqual(await b.readFrame(), new Uint8Array([7]));
 * a.close();
 * assert.equal(await b.readFrame(), undefined);
 * ```
 */
export function memoryPipe(options: MemoryPipeOptions = {}): MemoryPipe {
  const hook = options.hook;
  const frameBytesMax = options.frameBytesMax ?? 65535;
  // directions[d] carries bytes written by end d, read by end 1 - d.
  const directions: [Direction, Direction] = [
    { chunks: [], closed: false, written: 0 },
    { chunks: [], closed: false, written: 0 },
  ];
  const waiting: [(() => void) | undefined, (() => void) | undefined] = [undefined, undefined];
  const retired = [false, false];
  const decoders: [FrameDecoder, FrameDecoder] = [
    new FrameDecoder({ frameBytesMax }),
    new FrameDecoder({ frameBytesMax }),
  ];
  const state = { deadlocked: false, stalled: false };
  const closeAll = () => {
    for (const direction of directions) direction.closed = true;
    wake(0);
    wake(1);
  };

  const wake = (reader: 0 | 1) => {
    const resolve = waiting[reader];
    waiting[reader] = undefined;
    resolve?.();
  };

  const makeEnd = (me: 0 | 1): PipeEnd => {
    const incoming = directions[1 - me]!;
    const outgoing = directions[me];
    const decoder = decoders[me];
    const pending: Uint8Array[] = [];
    const framesRead: Uint8Array[] = [];
    const framesWritten: Uint8Array[] = [];
    let finished = false;
    return {
      framesRead,
      framesWritten,
      async readFrame(): Promise<Uint8Array | undefined> {
        while (true) {
          const frame = pending.shift();
          if (frame !== undefined) {
            framesRead.push(frame);
            return frame;
          }
          const chunk = incoming.chunks.shift();
          if (chunk !== undefined) {
            pending.push(...decoder.push(chunk));
            continue;
          }
          if (incoming.closed) {
            if (!finished) {
              finished = true;
              decoder.finish();
            }
            return undefined;
          }
          if (state.deadlocked) throw new PipeDeadlockError("Cannot read: the pipe is deadlocked");
          const other = (1 - me) as 0 | 1;
          if (waiting[other] !== undefined || retired[other]) {
            // Nothing is on the way and nothing will come.
            if (decoders[0].bufferedBytes > 0 || decoders[1].bufferedBytes > 0) {
              state.stalled = true;
              closeAll();
              continue;
            }
            state.deadlocked = true;
            wake(other);
            throw new PipeDeadlockError("Cannot read: both ends wait for each other");
          }
          await new Promise<void>((resolve) => (waiting[me] = resolve));
        }
      },
      writeFrame(payload: Uint8Array): Promise<void> {
        if (outgoing.closed) return Promise.reject(new Error("Cannot write: the pipe is closed"));
        const copy = payload.slice();
        framesWritten.push(copy);
        const index = outgoing.written++;
        const rewrite = hook?.(me, index, framed(copy));
        const bytes = rewrite === undefined ? framed(copy) : rewrite.bytes;
        if (bytes.length > 0) outgoing.chunks.push(bytes);
        // A frame swallowed whole is a black hole, which only a timeout ends: end it at once.
        if (rewrite?.close === true || bytes.length === 0) outgoing.closed = true;
        wake((1 - me) as 0 | 1);
        return Promise.resolve();
      },
      close(): void {
        outgoing.closed = true;
        incoming.closed = true;
        wake(0);
        wake(1);
      },
      retire(): void {
        retired[me] = true;
        wake((1 - me) as 0 | 1);
      },
    };
  };
  const ends: [PipeEnd, PipeEnd] = [makeEnd(0), makeEnd(1)];
  return {
    ends,
    get deadlocked() {
      return state.deadlocked;
    },
    get stalled() {
      return state.stalled;
    },
  };
}
