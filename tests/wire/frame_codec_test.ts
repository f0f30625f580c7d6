import assert from "node:assert/strict";
import fc from "fast-check";
import {
  encodeFrame,
  encodeFrames,
  FRAME_PREFIX_BYTES,
  FrameDecoder,
  readFrames,
} from "../../lib/wire/frame_codec.ts";
import { ProtocolError } from "../../lib/wire/protocol_error.ts";

/** Frames of 1..600 bytes; small enough for many per run, big enough to span splits. */
const payloadArb = fc.uint8Array({ minLength: 1, maxLength: 600 });

/** Cut `bytes` at the given sorted, de-duplicated positions. */
function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

function prefix(length: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, length);
  return bytes;
}

function isTruncated(error: unknown): boolean {
  return error instanceof ProtocolError && /^Cannot decode frame: truncated/.test(error.message);
}

Deno.test("encodeFrame() writes a 4-byte big-endian length before the payload", () => {
  const payload = new Uint8Array(300).fill(9);
  const frame = encodeFrame(payload);
  assert.equal(frame.length, 304);
  assert.deepEqual([...frame.subarray(0, 4)], [0, 0, 1, 44]);
  assert.deepEqual(frame.subarray(4), payload);
});

Deno.test("encodeFrame() rejects an empty payload with a RangeError", () => {
  assert.throws(() => encodeFrame(new Uint8Array(0)), {
    name: "RangeError",
    message: /^Cannot encode frame: payload is empty/,
  });
});

Deno.test("encodeFrame() rejects a payload over frameBytesMax with a RangeError", () => {
  assert.throws(() => encodeFrame(new Uint8Array(65536)), {
    name: "RangeError",
    message: "Cannot encode frame: payload is 65536 bytes, limit 65535",
  });
  assert.throws(() => encodeFrame(new Uint8Array(11), { frameBytesMax: 10 }), RangeError);
  assert.equal(encodeFrame(new Uint8Array(65535)).length, 65539);
});

Deno.test("encodeFrame() rejects a frameBytesMax a 4-byte prefix cannot express", () => {
  for (const frameBytesMax of [0, -1, 1.5, 2 ** 32, Number.NaN]) {
    assert.throws(() => encodeFrame(new Uint8Array(1), { frameBytesMax }), RangeError);
    assert.throws(() => new FrameDecoder({ frameBytesMax }), RangeError);
  }
});

Deno.test("encodeFrames() coalesces payloads into one buffer equal to their frames", () => {
  const payloads = [new Uint8Array([1]), new Uint8Array([2, 3]), new Uint8Array(70).fill(4)];
  const wire = encodeFrames(payloads);
  const expected = payloads.flatMap((payload) => [...encodeFrame(payload)]);
  assert.deepEqual([...wire], expected);
  assert.equal(encodeFrames([]).length, 0);
  assert.throws(() => encodeFrames([new Uint8Array(1), new Uint8Array(0)]), RangeError);
});

Deno.test("FrameDecoder.push() returns many frames of one chunk as zero-copy subarrays", () => {
  const payloads = [new Uint8Array([1]), new Uint8Array([2, 3]), new Uint8Array([4, 5, 6])];
  const wire = encodeFrames(payloads);
  const decoder = new FrameDecoder();
  const frames = decoder.push(wire);
  assert.deepEqual(frames, payloads);
  for (const frame of frames) assert.equal(frame.buffer, wire.buffer);
  assert.equal(decoder.bufferedBytes, 0);
  decoder.finish();
});

Deno.test("FrameDecoder.push() copies a frame spanning chunks once into its own buffer", () => {
  const payload = new Uint8Array(1000).map((_, i) => i);
  const wire = encodeFrame(payload);
  const decoder = new FrameDecoder();
  assert.deepEqual(decoder.push(wire.subarray(0, 10)), []);
  assert.equal(decoder.bufferedBytes, 6);
  assert.deepEqual(decoder.push(wire.subarray(10, 500)), []);
  const [frame, ...rest] = decoder.push(wire.subarray(500));
  assert.equal(rest.length, 0);
  assert.deepEqual(frame, payload);
  assert.notEqual(frame!.buffer, wire.buffer);
  assert.equal(frame!.buffer.byteLength, payload.length);
});

Deno.test("FrameDecoder.push() keeps a body zero-copy when only its prefix was split", () => {
  const wire = encodeFrame(new Uint8Array([7, 8, 9]));
  const decoder = new FrameDecoder();
  assert.deepEqual(decoder.push(wire.subarray(0, 2)), []);
  assert.deepEqual(decoder.push(wire.subarray(2, 4)), []);
  assert.equal(decoder.bufferedBytes, 0);
  const rest = wire.slice(4);
  const [frame] = decoder.push(rest);
  assert.deepEqual(frame, new Uint8Array([7, 8, 9]));
  assert.equal(frame!.buffer, rest.buffer);
});

Deno.test("FrameDecoder.push() decodes a stream fed one byte at a time", () => {
  const payloads = [new Uint8Array([1, 2, 3]), new Uint8Array([4]), new Uint8Array(300).fill(5)];
  const wire = encodeFrames(payloads);
  const decoder = new FrameDecoder();
  const frames: Uint8Array[] = [];
  for (let i = 0; i < wire.length; i++) frames.push(...decoder.push(wire.subarray(i, i + 1)));
  decoder.finish();
  assert.deepEqual(frames, payloads);
});

Deno.test("FrameDecoder.push() decodes frames re-split at random points (property)", () => {
  fc.assert(
    fc.property(
      fc.array(payloadArb, { maxLength: 20 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      (payloads, cuts) => {
        const wire = encodeFrames(payloads);
        const decoder = new FrameDecoder();
        const frames: Uint8Array[] = [];
        for (const chunk of splitAt(wire, cuts)) {
          frames.push(...decoder.push(chunk));
          // At most one partial frame, or a partial prefix, is ever held.
          assert.ok(decoder.bufferedBytes < Math.max(FRAME_PREFIX_BYTES, 600));
        }
        decoder.finish();
        assert.deepEqual(frames, payloads);
      },
    ),
  );
});

Deno.test("FrameDecoder.finish() throws truncated when a stream stops inside a frame (property)", () => {
  fc.assert(
    fc.property(
      fc.array(payloadArb, { minLength: 1, maxLength: 10 }),
      fc.nat(),
      fc.array(fc.nat(), { maxLength: 5 }),
      (payloads, cut, splits) => {
        const wire = encodeFrames(payloads);
        const boundaries = new Set<number>([0]);
        let offset = 0;
        for (const payload of payloads) boundaries.add(offset += 4 + payload.length);
        const end = cut % wire.length;
        const decoder = new FrameDecoder();
        for (const chunk of splitAt(wire.subarray(0, end), splits)) decoder.push(chunk);
        if (boundaries.has(end)) {
          decoder.finish();
        } else {
          assert.throws(() => decoder.finish(), isTruncated);
        }
      },
    ),
  );
});

Deno.test("FrameDecoder.finish() reports a truncated prefix and a truncated body", () => {
  const decoder = new FrameDecoder();
  decoder.push(new Uint8Array([0, 0]));
  assert.throws(() => decoder.finish(), {
    name: "ProtocolError",
    message: "Cannot decode frame: truncated length prefix at end of stream, 2 of 4 bytes",
  });
  const body = new FrameDecoder();
  body.push(encodeFrame(new Uint8Array(10)).subarray(0, 7));
  assert.throws(() => body.finish(), {
    name: "ProtocolError",
    message: "Cannot decode frame: truncated frame at end of stream, 3 of 10 bytes",
  });
  const bare = new FrameDecoder();
  bare.push(prefix(10));
  assert.throws(() => bare.finish(), isTruncated);
});

Deno.test("FrameDecoder.push() rejects a length over the limit as soon as the prefix is seen", () => {
  const decoder = new FrameDecoder();
  assert.deepEqual(decoder.push(prefix(65536).subarray(0, 3)), []);
  assert.throws(() => decoder.push(prefix(65536).subarray(3)), {
    name: "ProtocolError",
    message: "Cannot decode frame: length 65536 exceeds 65535",
  });
  assert.equal(decoder.bufferedBytes, 0);
});

Deno.test("FrameDecoder.push() rejects an oversize length without buffering the body behind it", () => {
  const chunk = new Uint8Array(4 + 60_000);
  chunk.set(prefix(0xffff_ffff));
  const decoder = new FrameDecoder({ frameBytesMax: 1000 });
  assert.throws(() => decoder.push(chunk), /length 4294967295 exceeds 1000/);
  assert.equal(decoder.bufferedBytes, 0);
  // The same after a valid frame in the same chunk.
  const after = new FrameDecoder({ frameBytesMax: 1000 });
  const wire = new Uint8Array([...encodeFrame(new Uint8Array([1])), ...prefix(1001), 1, 2, 3]);
  assert.throws(() => after.push(wire), ProtocolError);
  assert.equal(after.bufferedBytes, 0);
});

Deno.test("FrameDecoder.push() rejects a zero length as soon as the prefix is seen", () => {
  const decoder = new FrameDecoder();
  decoder.push(new Uint8Array([0]));
  assert.throws(() => decoder.push(new Uint8Array([0, 0, 0, 1, 2, 3])), {
    name: "ProtocolError",
    message: "Cannot decode frame: length 0, a frame carries at least 1 byte",
  });
  assert.equal(decoder.bufferedBytes, 0);
});

Deno.test("FrameDecoder.push() rejects oversize lengths wherever the prefix is split (property)", () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.constant(0), fc.integer({ min: 1001, max: 0xffff_ffff })),
      fc.array(payloadArb, { maxLength: 3 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      (length, before, cuts) => {
        const good = encodeFrames(before);
        const wire = new Uint8Array([...good, ...prefix(length), ...new Uint8Array(50)]);
        const decoder = new FrameDecoder({ frameBytesMax: 1000 });
        let error: unknown;
        let consumed = 0;
        for (const chunk of splitAt(wire, cuts)) {
          try {
            decoder.push(chunk);
            consumed += chunk.length;
          } catch (caught) {
            error = caught;
            consumed += chunk.length;
            break;
          }
          // Once the whole prefix has been pushed it must have been refused.
          assert.ok(consumed < good.length + 4);
          assert.ok(decoder.bufferedBytes <= 1000);
        }
        assert.ok(error instanceof ProtocolError);
        assert.ok(consumed >= good.length + 4);
        assert.equal(decoder.bufferedBytes, 0);
      },
    ),
  );
});

Deno.test("FrameDecoder stays failed after an error", () => {
  const decoder = new FrameDecoder();
  assert.throws(() => decoder.push(prefix(0)), ProtocolError);
  assert.throws(() => decoder.push(encodeFrame(new Uint8Array([1]))), /length 0/);
  assert.throws(() => decoder.finish(), /length 0/);
});

Deno.test("FrameDecoder honours a custom frameBytesMax", () => {
  const decoder = new FrameDecoder({ frameBytesMax: 3 });
  assert.equal(decoder.push(encodeFrame(new Uint8Array(3))).length, 1);
  assert.throws(() => decoder.push(prefix(4)), /length 4 exceeds 3/);
});

function streamOf(chunks: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  return ReadableStream.from(chunks);
}

Deno.test("readFrames() yields every frame of a chunked stream", async () => {
  const payloads = [new Uint8Array([1]), new Uint8Array(2000).fill(2), new Uint8Array([3, 3])];
  const wire = encodeFrames(payloads);
  const stream = streamOf(splitAt(wire, [1, 3, 900, 1500, 2005]));
  assert.deepEqual(await Array.fromAsync(readFrames(stream)), payloads);
  assert.equal(stream.locked, false);
});

Deno.test("readFrames() throws truncated at end of stream and releases the lock", async () => {
  const wire = encodeFrame(new Uint8Array(10));
  const stream = streamOf([wire.subarray(0, 9)]);
  await assert.rejects(Array.fromAsync(readFrames(stream)), isTruncated);
  assert.equal(stream.locked, false);
});

Deno.test("readFrames() throws on an oversize length and releases the lock", async () => {
  const stream = streamOf([prefix(101), new Uint8Array(101)]);
  await assert.rejects(
    Array.fromAsync(readFrames(stream, { frameBytesMax: 100 })),
    /Cannot decode frame: length 101 exceeds 100/,
  );
  assert.equal(stream.locked, false);
});

Deno.test("readFrames() releases the lock when the consumer stops early", async () => {
  const stream = streamOf([encodeFrames([new Uint8Array([1]), new Uint8Array([2])])]);
  for await (const frame of readFrames(stream)) {
    assert.deepEqual(frame, new Uint8Array([1]));
    break;
  }
  assert.equal(stream.locked, false);
});
