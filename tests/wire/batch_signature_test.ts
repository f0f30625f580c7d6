import assert from "node:assert/strict";
import fc from "fast-check";
import {
  auditPathLength,
  BATCH_SIGNATURE_BYTES_MAX,
  CHAT_BATCH_MESSAGES_MAX,
  encodeBatchSignature,
  isChatSignatureForm,
  parseBatchSignature,
} from "../../lib/wire/batch_signature.ts";

const node = (b: number) => new Uint8Array(32).fill(b);

Deno.test("auditPathLength() is each leaf's depth in RFC 9162's tree", () => {
  assert.deepEqual([0, 1].map((i) => auditPathLength(i, 2)), [1, 1]);
  assert.deepEqual([0, 1, 2].map((i) => auditPathLength(i, 3)), [2, 2, 1]);
  assert.deepEqual([0, 1, 2, 3, 4].map((i) => auditPathLength(i, 5)), [3, 3, 3, 3, 1]);
  assert.equal(auditPathLength(255, 256), 8);
  assert.equal(auditPathLength(0, 1), 0);
  assert.throws(() => auditPathLength(3, 3), RangeError);
  assert.throws(() => auditPathLength(-1, 3), RangeError);
});

Deno.test("encodeBatchSignature() and parseBatchSignature() round-trip every position (property)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: CHAT_BATCH_MESSAGES_MAX }), fc.nat(), (count, pick) => {
      const index = pick % count;
      const path = Array.from({ length: auditPathLength(index, count) }, (_, i) => node(i));
      const bytes = encodeBatchSignature({
        rootSignature: new Uint8Array(64).fill(9),
        index,
        count,
        path,
      });
      assert.ok(bytes.length <= BATCH_SIGNATURE_BYTES_MAX);
      assert.ok(isChatSignatureForm(bytes));
      const parsed = parseBatchSignature(bytes)!;
      assert.equal(parsed.index, index);
      assert.equal(parsed.count, count);
      assert.deepEqual(parsed.path.map((p) => [...p]), path.map((p) => [...p]));
      assert.deepEqual([...parsed.rootSignature], [...new Uint8Array(64).fill(9)]);
    }),
    { numRuns: 300 },
  );
});

Deno.test("parseBatchSignature() refuses a count or index out of range, or a path of the wrong length", () => {
  const make = (index: number, count: number, nodes: number) => {
    const bytes = new Uint8Array(68 + 32 * nodes);
    bytes[64] = index >> 8;
    bytes[65] = index & 0xff;
    bytes[66] = count >> 8;
    bytes[67] = count & 0xff;
    return bytes;
  };
  assert.ok(parseBatchSignature(make(0, 2, 1)));
  assert.equal(
    parseBatchSignature(make(0, 1, 1)),
    undefined,
    "a batch of one is a plain signature",
  );
  assert.equal(parseBatchSignature(make(2, 2, 1)), undefined, "index past the count");
  assert.equal(parseBatchSignature(make(0, 257, 9)), undefined, "more than a batch holds");
  assert.equal(parseBatchSignature(make(0, 3, 1)), undefined, "leaf 0 of 3 needs 2 nodes");
  assert.equal(parseBatchSignature(make(2, 3, 2)), undefined, "leaf 2 of 3 needs 1 node");
  assert.equal(parseBatchSignature(new Uint8Array(64)), undefined);
  assert.equal(parseBatchSignature(new Uint8Array(99)), undefined);
  assert.ok(isChatSignatureForm(new Uint8Array(0)));
  assert.ok(isChatSignatureForm(new Uint8Array(64)));
  assert.ok(!isChatSignatureForm(new Uint8Array(65)));
  assert.throws(
    () =>
      encodeBatchSignature({
        rootSignature: new Uint8Array(64),
        index: 0,
        count: 3,
        path: [node(1)],
      }),
    RangeError,
  );
  assert.throws(
    () => encodeBatchSignature({ rootSignature: new Uint8Array(64), index: 0, count: 1, path: [] }),
    RangeError,
  );
});
