/**
 * Length-prefixed frames: a 4-byte big-endian length `L`, then `L` payload
 * bytes, `1 ≤ L ≤ frameBytesMax`. A bad length is refused as soon as its 4
 * prefix bytes are seen, before any of the body is buffered.
 *
 * @module
 */

import { readU32BE, U32_BYTES, writeU32BE } from "./bytes.ts";
import { ProtocolError } from "./protocol_error.ts";
import { DEFAULT_WIRE_LIMITS } from "./wire_limits.ts";

/** Bytes of the length prefix in front of every frame. */
export const FRAME_PREFIX_BYTES = U32_BYTES;

/** Largest `frameBytesMax` a 4-byte prefix can express. */
const FRAME_LENGTH_LIMIT = 0xffff_ffff;

/** Options of the frame codec. */
export interface FrameOptions {
  /**
   * Largest payload in bytes. Default `DEFAULT_WIRE_LIMITS.frameBytesMax`
   * (65535, the largest Noise transport message).
   */
  readonly frameBytesMax?: number;
}

function frameBytesMaxOf(options: FrameOptions): number {
  const max = options.frameBytesMax ?? DEFAULT_WIRE_LIMITS.frameBytesMax;
  if (!Number.isInteger(max) || max < 1 || max > FRAME_LENGTH_LIMIT) {
    throw new RangeError(
      `Cannot use frameBytesMax ${max}: expected an integer 1..${FRAME_LENGTH_LIMIT}`,
    );
  }
  return max;
}

/**
 * Incremental frame decoder: feed it chunks as they arrive, get whole frames
 * back. Frames may be split across chunks at any byte and many may share a
 * chunk. A frame that lies inside one chunk comes back as a subarray of that
 * chunk (zero-copy; don't reuse the chunk's memory while frames are alive); a
 * frame spread over several chunks is copied once into its own buffer. It
 * holds at most one partial frame (or partial length prefix) at a time.
 *
 * After it throws, the decoder stays failed: the connection is to be closed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeFrames, FrameDecoder } from "./frame_codec.ts";
 *
 * const wire = encodeFrames([new Uint8Array([1, 2]), new Uint8Array([3])]);
 * const decoder = new FrameDecoder();
 * const frames = [...decoder.push(wire.subarray(0, 5)), ...decoder.push(wire.subarray(5))];
 * decoder.finish();
 * assert.ok(frames.length === 2 && frames[1]![0] === 3);
 * ```
 */
export class FrameDecoder {
  readonly #frameBytesMax: number;
  /** Bytes of a length prefix seen so far, while it is incomplete. */
  readonly #prefix = new Uint8Array(FRAME_PREFIX_BYTES);
  #prefixFilled = 0;
  /** Length of the frame whose body is pending, or -1 when between frames. */
  #bodyLength = -1;
  /** Buffer of a frame that spans chunks; allocated when its first part arrives. */
  #body: Uint8Array | undefined;
  #bodyFilled = 0;
  #failure: ProtocolError | undefined;

  /** Make a decoder; `frameBytesMax` defaults to 65535. */
  constructor(options: FrameOptions = {}) {
    this.#frameBytesMax = frameBytesMaxOf(options);
  }

  /** Bytes held for the pending partial frame (prefix or body). */
  get bufferedBytes(): number {
    return this.#prefixFilled + this.#bodyFilled;
  }

  /**
   * Consume one chunk and return the frames it completes, in order.
   *
   * @throws {ProtocolError} on a length of 0 or over `frameBytesMax`.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.#failure !== undefined) throw this.#failure;
    const frames: Uint8Array[] = [];
    const end = chunk.length;
    let pos = 0;
    if (this.#prefixFilled > 0 || this.#bodyLength >= 0) {
      pos = this.#resume(chunk, frames);
      if (this.#prefixFilled > 0 || this.#bodyLength >= 0) return frames;
    }
    // Fast path: whole frames inside the chunk.
    while (end - pos >= FRAME_PREFIX_BYTES) {
      const length = readU32BE(chunk, pos);
      this.#checkLength(length);
      pos += FRAME_PREFIX_BYTES;
      if (end - pos >= length) {
        frames.push(chunk.subarray(pos, pos + length));
        pos += length;
      } else {
        this.#bodyLength = length;
        if (pos < end) this.#appendBody(chunk.subarray(pos));
        return frames;
      }
    }
    if (pos < end) {
      this.#prefix.set(chunk.subarray(pos));
      this.#prefixFilled = end - pos;
    }
    return frames;
  }

  /**
   * Declare the end of the stream.
   *
   * @throws {ProtocolError} "truncated" if a partial frame is pending.
   */
  finish(): void {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#prefixFilled > 0) {
      this.#fail(
        `truncated length prefix at end of stream, ${this.#prefixFilled} of ${FRAME_PREFIX_BYTES} bytes`,
      );
    }
    if (this.#bodyLength >= 0) {
      this.#fail(
        `truncated frame at end of stream, ${this.#bodyFilled} of ${this.#bodyLength} bytes`,
      );
    }
  }

  /** Continue a pending prefix or body with the start of `chunk`; returns the position after it. */
  #resume(chunk: Uint8Array, frames: Uint8Array[]): number {
    let pos = 0;
    if (this.#prefixFilled > 0) {
      const take = Math.min(FRAME_PREFIX_BYTES - this.#prefixFilled, chunk.length);
      this.#prefix.set(chunk.subarray(0, take), this.#prefixFilled);
      this.#prefixFilled += take;
      pos = take;
      if (this.#prefixFilled < FRAME_PREFIX_BYTES) return pos;
      const length = readU32BE(this.#prefix, 0);
      this.#prefixFilled = 0;
      this.#checkLength(length);
      this.#bodyLength = length;
    }
    const available = chunk.length - pos;
    if (this.#bodyFilled === 0 && available >= this.#bodyLength) {
      // The whole body is in this chunk: no copy.
      const end = pos + this.#bodyLength;
      frames.push(chunk.subarray(pos, end));
      this.#bodyLength = -1;
      return end;
    }
    const take = Math.min(this.#bodyLength - this.#bodyFilled, available);
    if (take > 0) this.#appendBody(chunk.subarray(pos, pos + take));
    if (this.#bodyFilled === this.#bodyLength) {
      frames.push(this.#body!);
      this.#body = undefined;
      this.#bodyFilled = 0;
      this.#bodyLength = -1;
    }
    return pos + take;
  }

  #appendBody(part: Uint8Array): void {
    this.#body ??= new Uint8Array(this.#bodyLength);
    this.#body.set(part, this.#bodyFilled);
    this.#bodyFilled += part.length;
  }

  #checkLength(length: number): void {
    if (length === 0) this.#fail("length 0, a frame carries at least 1 byte");
    if (length > this.#frameBytesMax) {
      this.#fail(`length ${length} exceeds ${this.#frameBytesMax}`);
    }
  }

  #fail(detail: string): never {
    this.#prefixFilled = 0;
    this.#bodyLength = -1;
    this.#body = undefined;
    this.#bodyFilled = 0;
    this.#failure = new ProtocolError(`Cannot decode frame: ${detail}`);
    throw this.#failure;
  }
}

function checkPayload(payload: Uint8Array, frameBytesMax: number): void {
  if (payload.length === 0) {
    throw new RangeError("Cannot encode frame: payload is empty, a frame carries at least 1 byte");
  }
  if (payload.length > frameBytesMax) {
    throw new RangeError(
      `Cannot encode frame: payload is ${payload.length} bytes, limit ${frameBytesMax}`,
    );
  }
}

function writeFrame(target: Uint8Array, offset: number, payload: Uint8Array): number {
  writeU32BE(target, offset, payload.length);
  target.set(payload, offset + FRAME_PREFIX_BYTES);
  return offset + FRAME_PREFIX_BYTES + payload.length;
}

/**
 * Frame one payload: its 4-byte big-endian length, then the payload.
 *
 * @throws {RangeError} if the payload is empty or longer than `frameBytesMax`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeFrame } from "./frame_codec.ts";
 *
 * assert.equal(encodeFrame(new Uint8Array([7])).join(), "0,0,0,1,7");
 * ```
 */
export function encodeFrame(payload: Uint8Array, options: FrameOptions = {}): Uint8Array {
  checkPayload(payload, frameBytesMaxOf(options));
  const frame = new Uint8Array(FRAME_PREFIX_BYTES + payload.length);
  writeFrame(frame, 0, payload);
  return frame;
}

/**
 * Frame many payloads into one buffer, for a single write.
 *
 * @throws {RangeError} if a payload is empty or longer than `frameBytesMax`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeFrames } from "./frame_codec.ts";
 *
 * const wire = encodeFrames([new Uint8Array([1]), new Uint8Array([2, 3])]);
 * assert.equal(wire.join(), "0,0,0,1,1,0,0,0,2,2,3");
 * ```
 */
export function encodeFrames(
  payloads: readonly Uint8Array[],
  options: FrameOptions = {},
): Uint8Array {
  const frameBytesMax = frameBytesMaxOf(options);
  let total = 0;
  for (const payload of payloads) {
    checkPayload(payload, frameBytesMax);
    total += FRAME_PREFIX_BYTES + payload.length;
  }
  const wire = new Uint8Array(total);
  let offset = 0;
  for (const payload of payloads) offset = writeFrame(wire, offset, payload);
  return wire;
}

/**
 * Read frames from a byte stream (e.g. `conn.readable`) until it ends. The
 * reader lock is released however the loop exits (end, error, or `break`);
 * the stream itself is left for the caller to cancel or close.
 *
 * @throws {ProtocolError} on a bad length, or "truncated" if the stream ends inside a frame.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeFrames, readFrames } from "./frame_codec.ts";
 *
 * const wire = encodeFrames([new Uint8Array([1]), new Uint8Array([2])]);
 * const readable = ReadableStream.from([wire.subarray(0, 6), wire.subarray(6)]);
 * const frames = await Array.fromAsync(readFrames(readable));
 * assert.equal(frames.length, 2);
 * ```
 */
export async function* readFrames(
  readable: ReadableStream<Uint8Array>,
  options: FrameOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const decoder = new FrameDecoder(options);
  const reader = readable.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const frame of decoder.push(value)) yield frame;
    }
    decoder.finish();
  } finally {
    reader.releaseLock();
  }
}
