import assert from "node:assert/strict";
import { Encoder } from "@msgpack/msgpack";
import fc from "fast-check";
import { encodeMsgpack, MsgpackWriter } from "../../lib/wire/msgpack_writer.ts";

/** Values of the protocol's types, with lengths around every header boundary. */
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(
      fc.integer({ min: -0x30, max: 0x110 }),
      fc.constantFrom(
        0x7f,
        0x80,
        0xff,
        0x100,
        0xffff,
        0x1_0000,
        0xffff_ffff,
        0x1_0000_0000,
        Number.MAX_SAFE_INTEGER,
        -0x20,
        -0x21,
        -0x80,
        -0x81,
        -0x8000,
        -0x8001,
        -0x8000_0000,
        -0x8000_0001,
        Number.MIN_SAFE_INTEGER,
      ),
      fc.maxSafeInteger(),
      fc.maxSafeNat(),
    ),
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.constantFrom(31, 32, 255, 256, 0xffff, 0x1_0000).map((n) => "x".repeat(n)),
    fc.constantFrom(10, 11, 100, 128).map((n) => "é".repeat(n)),
    fc.uint8Array({ maxLength: 40 }),
    fc.constantFrom(255, 256, 0xffff, 0x1_0000).map((n) => new Uint8Array(n)),
    fc.array(tie("value"), { maxLength: 20 }),
  ),
})).value;

Deno.test("encodeMsgpack() writes exactly what @msgpack/msgpack's Encoder writes (property)", () => {
  const reference = new Encoder();
  fc.assert(
    fc.property(value, (v) => {
      assert.deepEqual(encodeMsgpack(v), reference.encode(v));
    }),
    { numRuns: 500 },
  );
});

Deno.test("encodeMsgpack() writes an array of 16 and of 65536 with the wider headers", () => {
  const reference = new Encoder();
  for (const length of [15, 16, 0xffff, 0x1_0000]) {
    const array = new Array<number>(length).fill(1);
    assert.deepEqual(encodeMsgpack(array), reference.encode(array));
  }
});

Deno.test("encodeMsgpack() refuses values the protocol has no type for", () => {
  for (
    const bad of [1.5, Number.MAX_SAFE_INTEGER + 1, NaN, null, true, {}, "\ud800", ["a\udc00b"]]
  ) {
    assert.throws(() => encodeMsgpack(bad), TypeError, String(bad));
  }
  // The shared writer starts over after a failure.
  assert.equal(encodeMsgpack([1]).join(), "145,1");
});

Deno.test("MsgpackWriter grows past its initial size and starts over at finish()", () => {
  const writer = new MsgpackWriter(4);
  writer.bin(new Uint8Array(1000).fill(7));
  const first = writer.finish();
  assert.equal(first.length, 1003);
  writer.int(-1);
  assert.equal(writer.finish().join(), "255");
});
