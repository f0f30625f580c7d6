/**
 * Fuzz target `frame-decoder`: streams of valid frames (carrying generated
 * messages), bad length prefixes and garbage, mutated as a whole now and
 * then, cut into random chunks and fed to a `FrameDecoder` with a random
 * `frameBytesMax`. A reference parser of the whole stream says what must come
 * out, and checks:
 *
 * - only `ProtocolError` is thrown, in the chunk that completes the first bad
 *   length prefix, and the decoder stays failed afterwards;
 * - the frames are exactly the reference frames, in order, and still intact
 *   at the end (no buffer reused under them);
 * - `bufferedBytes` never exceeds one partial frame: at most
 *   `max(3, frameBytesMax - 1)`;
 * - `finish()` throws "truncated" exactly when the stream ends inside a frame;
 * - every frame decodes with `decodeMessage` or throws a `ProtocolError`.
 *
 * @module
 */

import { isDeepStrictEqual } from "node:util";
import type { Random } from "../../../lib/random/random.ts";
import { FRAME_PREFIX_BYTES, FrameDecoder } from "../../../lib/wire/frame_codec.ts";
import { ProtocolError } from "../../../lib/wire/protocol_error.ts";
import { DEFAULT_WIRE_LIMITS } from "../../../lib/wire/wire_limits.ts";
import { checkDecode, hexExcerpt } from "./decode_message_target.ts";
import type { FuzzTarget } from "../harness/fuzz_campaign.ts";
import { chance, choose, intIn, randomBytes, sizeNear, weighted } from "../harness/fuzz_random.ts";
import { generateEncodedMessage } from "../mutators/message_generator.ts";
import { mutateBytes } from "../mutators/mutate_bytes.ts";
import { concatBytes } from "../../../lib/wire/bytes.ts";

/** A failed check of the frame decoder. */
export class FrameCheckError extends Error {
  /** Always `"FrameCheckError"`. */
  override name = "FrameCheckError";
}

function prefix(length: number): Uint8Array {
  return Uint8Array.of(length >>> 24, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
}

/** A random byte stream of frames, bad prefixes and garbage. */
export function generateFrameStream(random: Random, frameBytesMax: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let n = intIn(random, 0, 8); n > 0; n--) {
    weighted(random, [
      [() => {
        const message = generateEncodedMessage(random, { edgeRate: 0.02 }).bytes;
        const payload = message.length <= frameBytesMax && message.length > 0
          ? message
          : randomBytes(random, intIn(random, 1, frameBytesMax));
        parts.push(prefix(payload.length), payload);
      }, 6],
      [() => {
        const length = Math.min(frameBytesMax, Math.max(1, sizeNear(random, frameBytesMax)));
        parts.push(prefix(length), randomBytes(random, length));
      }, 2],
      [() => {
        const length = choose(random, [
          0,
          frameBytesMax + 1,
          0xffff_ffff,
          intIn(random, frameBytesMax, 0xffff_ffff),
        ]);
        parts.push(prefix(length));
      }, 1],
      [() => parts.push(randomBytes(random, intIn(random, 1, 10))), 1],
    ])();
  }
  let stream: Uint8Array = concatBytes(parts);
  if (chance(random, 0.3)) stream = mutateBytes(random, stream);
  if (chance(random, 0.2)) stream = stream.subarray(0, random.int(stream.length + 1));
  return stream;
}

/** What a correct decoder makes of a whole stream. */
interface Reference {
  /** Frames and the offset just past each. */
  readonly frames: readonly { readonly payload: Uint8Array; readonly end: number }[];
  /** Offset of the byte that completes the first bad length prefix, if any. */
  readonly errorAt: number | undefined;
  /** Whether the stream ends inside a frame (and holds no bad prefix). */
  readonly truncated: boolean;
}

function reference(stream: Uint8Array, frameBytesMax: number): Reference {
  const frames: { payload: Uint8Array; end: number }[] = [];
  let pos = 0;
  while (stream.length - pos >= FRAME_PREFIX_BYTES) {
    const length = ((stream[pos]! << 24) | (stream[pos + 1]! << 16) | (stream[pos + 2]! << 8) |
      stream[pos + 3]!) >>> 0;
    if (length === 0 || length > frameBytesMax) {
      return { frames, errorAt: pos + FRAME_PREFIX_BYTES - 1, truncated: false };
    }
    const end = pos + FRAME_PREFIX_BYTES + length;
    if (end > stream.length) return { frames, errorAt: undefined, truncated: true };
    frames.push({ payload: stream.slice(pos + FRAME_PREFIX_BYTES, end), end });
    pos = end;
  }
  return { frames, errorAt: undefined, truncated: pos < stream.length };
}

/** Chunk boundaries: one chunk, single bytes, random sizes, or cuts around the prefixes. */
function chunkEnds(random: Random, length: number): number[] {
  const ends: number[] = [];
  const style = weighted(
    random,
    [["whole", 1], ["bytes", 1], ["random", 4], ["small", 2]] as const,
  );
  let pos = 0;
  while (pos < length) {
    const step = style === "whole"
      ? length
      : style === "bytes"
      ? 1
      : style === "small"
      ? intIn(random, 0, 6)
      : intIn(random, 0, Math.max(1, Math.floor(length / 3)));
    pos = Math.min(length, pos + step);
    ends.push(pos);
  }
  return ends;
}

function expectProtocolError(error: unknown, what: string, stream: Uint8Array): void {
  if (!(error instanceof ProtocolError)) {
    throw new FrameCheckError(
      `FrameDecoder ${what} threw ${
        error instanceof Error ? `${error.name}: ${error.message}` : String(error)
      }, ` +
        `not a ProtocolError, on stream ${hexExcerpt(stream)}`,
      { cause: error },
    );
  }
}

/** Every check of this target on one stream. */
export function checkFrameStream(random: Random, stream: Uint8Array, frameBytesMax: number): void {
  const expected = reference(stream, frameBytesMax);
  const decoder = new FrameDecoder({ frameBytesMax });
  const got: Uint8Array[] = [];
  const fail = (detail: string): never => {
    throw new FrameCheckError(
      `FrameDecoder (frameBytesMax ${frameBytesMax}) ${detail}; stream ${hexExcerpt(stream)}`,
    );
  };
  const bufferedMax = Math.max(FRAME_PREFIX_BYTES - 1, frameBytesMax - 1);
  let start = 0;
  let failed = false;
  for (const end of chunkEnds(random, stream.length)) {
    let frames: Uint8Array[];
    try {
      frames = decoder.push(stream.subarray(start, end));
    } catch (error) {
      expectProtocolError(error, "push", stream);
      if (expected.errorAt === undefined || expected.errorAt < start || expected.errorAt >= end) {
        fail(
          `threw on bytes ${start}..${end} but the first bad prefix ends at ${
            expected.errorAt ?? "none"
          }`,
        );
      }
      // Frames finished in the failing chunk are lost with the connection; the others came out.
      const before = expected.frames.filter((f) => f.end <= start).length;
      if (got.length !== before) {
        fail(`returned ${got.length} frames before failing, expected ${before}`);
      }
      failed = true;
      break;
    }
    got.push(...frames);
    if (decoder.bufferedBytes > bufferedMax) {
      fail(`buffers ${decoder.bufferedBytes} bytes, more than one partial frame (${bufferedMax})`);
    }
    if (expected.errorAt !== undefined && expected.errorAt < end) {
      fail(`did not throw on the bad length prefix ending at byte ${expected.errorAt}`);
    }
    start = end;
  }
  if (failed) {
    for (const what of ["push", "finish"] as const) {
      try {
        if (what === "push") decoder.push(Uint8Array.of(0, 0, 0, 1, 7));
        else decoder.finish();
      } catch (error) {
        expectProtocolError(error, `${what} after failing`, stream);
        continue;
      }
      fail(`accepted a ${what} after failing`);
    }
  } else {
    try {
      decoder.finish();
      if (expected.truncated) fail("did not report a stream that ends inside a frame");
    } catch (error) {
      expectProtocolError(error, "finish", stream);
      if (!expected.truncated) {
        fail(`finish() threw on a stream that ends between frames: ${String(error)}`);
      }
    }
    if (got.length !== expected.frames.length) {
      fail(`returned ${got.length} frames, expected ${expected.frames.length}`);
    }
  }
  got.forEach((frame, i) => {
    if (!isDeepStrictEqual(new Uint8Array(frame), new Uint8Array(expected.frames[i]!.payload))) {
      fail(`frame ${i} differs from the stream's: ${hexExcerpt(frame, 32)}`);
    }
    // The pipeline above it: every frame payload decodes or is refused with a ProtocolError.
    checkDecode(frame, DEFAULT_WIRE_LIMITS, `frame ${i}`);
  });
}

/** The target. */
export const FRAME_DECODER_TARGET: FuzzTarget = {
  name: "frame-decoder",
  description:
    "random and mutated frame streams in random chunks into FrameDecoder: only ProtocolError, " +
    "exactly the reference frames, one partial frame buffered at most",
  prepare: () => (random) => {
    const frameBytesMax = chance(random, 0.6)
      ? DEFAULT_WIRE_LIMITS.frameBytesMax
      : choose(random, [1, 2, 5, 16, 300, 1024]);
    checkFrameStream(random, generateFrameStream(random, frameBytesMax), frameBytesMax);
  },
};
