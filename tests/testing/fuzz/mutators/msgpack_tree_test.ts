import assert from "node:assert/strict";
import {
  type PackNode,
  packTree,
  unpackTree,
} from "../../../../testing/fuzz/mutators/msgpack_tree.ts";
import { encodeMessage } from "../../../../lib/wire/message_encode.ts";

Deno.test("packTree() writes the shortest forms unless a head is pinned", () => {
  const tree: PackNode = {
    kind: "array",
    items: [
      { kind: "int", value: 127n },
      { kind: "int", value: 128n },
      { kind: "int", value: -33n },
      { kind: "int", value: 5n, head: 0xd3 },
      { kind: "str", bytes: new TextEncoder().encode("hi") },
      { kind: "bin", bytes: new Uint8Array([1]), head: 0xc6 },
    ],
  };
  assert.deepEqual(
    [...packTree(tree)],
    [
      0x96,
      0x7f,
      0xcc,
      0x80,
      0xd0,
      0xdf,
      0xd3,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      5,
      0xa2,
      0x68,
      0x69,
      0xc6,
      0,
      0,
      0,
      1,
      1,
    ],
  );
});

Deno.test("packTree() writes forbidden types, false counts and raw bytes as asked", () => {
  assert.deepEqual([...packTree({ kind: "nil" })], [0xc0]);
  assert.deepEqual([...packTree({ kind: "bool", value: true })], [0xc3]);
  assert.deepEqual([...packTree({ kind: "float", value: 1, width: 32 })], [0xca, 0x3f, 0x80, 0, 0]);
  assert.deepEqual([...packTree({ kind: "ext", type: 1, data: new Uint8Array(4) })], [
    0xd6,
    1,
    0,
    0,
    0,
    0,
  ]);
  assert.deepEqual([...packTree({ kind: "map", entries: [] })], [0x80]);
  assert.deepEqual(
    [...packTree({ kind: "array", items: [], declared: 0xffff_ffff, head: 0xdd })],
    [0xdd, 0xff, 0xff, 0xff, 0xff],
  );
  assert.deepEqual([...packTree({ kind: "raw", bytes: new Uint8Array([0xc1]) })], [0xc1]);
});

Deno.test("unpackTree() reads back every encoded message exactly", () => {
  const author = "ab".repeat(32);
  const messages = [
    encodeMessage({ type: "ping", nonce: 0xffff_ffff }),
    encodeMessage({
      type: "chat",
      message: {
        author,
        seq: 2,
        clock: new Map([[author, 2]]),
        nick: "é",
        text: "x".repeat(300),
        ts: -5,
        signature: new Uint8Array(64),
      },
    }),
    encodeMessage({ type: "bye", reason: "" }),
  ];
  for (const bytes of messages) assert.deepEqual(packTree(unpackTree(bytes)!), bytes);
});

Deno.test("unpackTree() refuses truncated input, trailing bytes and impossible counts", () => {
  assert.equal(unpackTree(new Uint8Array([0x92, 0x01])), undefined);
  assert.equal(unpackTree(new Uint8Array([0x01, 0x02])), undefined);
  assert.equal(unpackTree(new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff, 0x01])), undefined);
  assert.equal(unpackTree(new Uint8Array([0xc1])), undefined);
  assert.equal(unpackTree(new Uint8Array(300).fill(0x91)), undefined);
});
