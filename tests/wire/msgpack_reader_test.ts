import assert from "node:assert/strict";
import { decode, encode } from "@msgpack/msgpack";
import fc from "fast-check";
import {
  ARRAY_DEPTH_MAX,
  MsgpackReader,
  readMsgpackValue,
  typeName,
  utf8Text,
} from "../../lib/wire/msgpack_reader.ts";

const fail = (detail: string): never => {
  throw new Error(detail);
};

const tree: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.maxSafeInteger(),
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie("value"), { maxLength: 6 }),
  ),
})).value;

Deno.test("readMsgpackValue() reads what @msgpack/msgpack writes, as it decodes it (property)", () => {
  fc.assert(
    fc.property(tree, (value) => {
      const bytes = encode(value);
      let depth = 0;
      const measure = (v: unknown, d: number): void => {
        if (Array.isArray(v)) {
          depth = Math.max(depth, d + 1);
          for (const e of v) measure(e, d + 1);
        }
      };
      measure(value, 0);
      if (depth > ARRAY_DEPTH_MAX) return;
      assert.deepEqual(readMsgpackValue(bytes, fail), decode(bytes));
    }),
    { numRuns: 300 },
  );
});

Deno.test("readMsgpackValue() refuses other types, bad UTF-8, unsafe ints, deep nesting and trailing bytes", () => {
  const cases: [number[], RegExp][] = [
    [[0x80], /map at byte 0/],
    [[0xc0], /nil at byte 0/],
    [[0xc3], /boolean at byte 0/],
    [[0xcb, 0, 0, 0, 0, 0, 0, 0, 0], /float at byte 0/],
    [[0xd4, 0, 0], /extension at byte 0/],
    [[0xa2, 0xc0, 0x80], /not valid UTF-8/],
    [[0xa3, 0xed, 0xa0, 0x80], /not valid UTF-8/],
    [[0xcf, 0, 0x20, 0, 0, 0, 0, 0, 0], /outside/],
    [[0xd3, 0xff, 0xe0, 0, 0, 0, 0, 0, 0], /outside/],
    [[0x91, 0x01, 0x02], /1 extra bytes/],
    [[0xdc, 0x00, 0x05, 0x01], /5 elements but only 1 bytes follow/],
    [[...new Array(ARRAY_DEPTH_MAX + 1).fill(0x91), 0x01], /nest deeper than 8/],
    [[0xa5, 0x61], /truncated/],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(() => readMsgpackValue(Uint8Array.from(bytes), fail), message, String(bytes));
  }
});

Deno.test("MsgpackReader reads a layout in any width and names what is wrong", () => {
  // [uint 16 of 300, int 8 of -5, str 8 "hi", bin 16 of 2 bytes, int 64 of -2^40]
  const bytes = Uint8Array.of(
    0xdc,
    0x00,
    0x05,
    0xcd,
    0x01,
    0x2c,
    0xd0,
    0xfb,
    0xd9,
    0x02,
    0x68,
    0x69,
    0xc5,
    0x00,
    0x02,
    0x09,
    0x08,
    0xd3,
    0xff,
    0xff,
    0xff,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
  );
  const reader = new MsgpackReader(bytes, fail);
  assert.equal(reader.arrayLength("the array"), 5);
  assert.equal(reader.uint("a"), 300);
  assert.equal(reader.int("b"), -5);
  assert.equal(reader.str("c"), "hi");
  assert.deepEqual(reader.bin("d"), Uint8Array.of(9, 8));
  assert.equal(reader.int("e"), -(2 ** 40));
  reader.end();

  const read = (bytes: number[], step: (r: MsgpackReader) => unknown) =>
    step(new MsgpackReader(Uint8Array.from(bytes), fail));
  assert.throws(() => read([], (r) => r.arrayLength("the array")), /truncated before the array/);
  assert.throws(() => read([0xa1, 0x61], (r) => r.bin("eph")), /eph must be a bin, got str/);
  assert.throws(() => read([0xc4, 5, 1], (r) => r.bin("eph")), /truncated in eph/);
  assert.throws(
    () => read([0xff], (r) => r.uint("n")),
    /n must be an unsigned safe integer, got -1/,
  );
  assert.throws(
    () => read([0xa2, 0x61, 0x62], (r) => r.str("nick", 1)),
    /nick is 2 bytes, limit 1/,
  );
  assert.throws(() => read([0xa1, 0xff], (r) => r.str("nick")), /nick is not valid UTF-8/);
  assert.throws(
    () => read([0xc4, 2, 1, 2], (r) => r.binOfLength("id", 3)),
    /id must be a bin of 3/,
  );
  assert.equal(read([0xc5, 0, 2, 1, 2], (r) => r.binOfLength("id", 2)), 3);
  assert.throws(() => read([0x90, 0x00], (r) => (r.arrayLength("x"), r.end())), /1 extra bytes/);
});

Deno.test("utf8Text() keeps a leading U+FEFF and refuses malformed UTF-8", () => {
  const bom = Uint8Array.of(0xef, 0xbb, 0xbf, 0x61);
  assert.equal(utf8Text(bom, 0, 4), "\ufeffa");
  assert.equal(utf8Text(Uint8Array.of(0xc0, 0x80), 0, 2), undefined);
  assert.equal(typeName(0xc1), "reserved byte 0xc1");
});
