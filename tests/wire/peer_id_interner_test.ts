import assert from "node:assert/strict";
import fc from "fast-check";
import { bytesToHex } from "../../lib/wire/hex.ts";
import { INTERNED_IDS_MAX, internedIdCount, peerIdAt } from "../../lib/wire/peer_id_interner.ts";

Deno.test("peerIdAt() is the hex of the 32 bytes at the offset, for any bytes", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 80 }),
      fc.nat(),
      (bytes, at) => {
        const start = at % (bytes.length - 31);
        assert.equal(peerIdAt(bytes, start), bytesToHex(bytes.subarray(start, start + 32)));
      },
    ),
  );
});

Deno.test("peerIdAt() tells apart ids that share their first bytes, and returns one string per id", () => {
  // Same first four bytes (the table's key), different elsewhere.
  const a = new Uint8Array(32).fill(7);
  const b = a.slice();
  b[31] = 8;
  const c = a.slice();
  c[3] = 7 | 0x40; // differs only in the bits the key leaves out
  for (let round = 0; round < 3; round++) {
    for (const id of [a, b, c]) assert.equal(peerIdAt(id, 0), bytesToHex(id));
  }
  const buffer = new Uint8Array(40);
  buffer.set(b, 5);
  assert.equal(peerIdAt(buffer, 5), bytesToHex(b));
  // The caller may reuse its buffer: the interned id must not change with it.
  const reused = b.slice();
  const id = peerIdAt(reused, 0);
  reused.fill(0);
  assert.equal(peerIdAt(b, 0), id);
});

Deno.test("peerIdAt() keeps at most INTERNED_IDS_MAX ids, and is right across start-overs", () => {
  const ids: Uint8Array[] = [];
  for (let i = 0; i < 3 * INTERNED_IDS_MAX; i++) {
    const id = new Uint8Array(32);
    new DataView(id.buffer).setUint32(0, i * 2654435761);
    new DataView(id.buffer).setUint32(28, i);
    ids.push(id);
    assert.equal(peerIdAt(id, 0), bytesToHex(id));
    assert.ok(internedIdCount() <= INTERNED_IDS_MAX, `${internedIdCount()} interned`);
  }
  for (const id of ids) assert.equal(peerIdAt(id, 0), bytesToHex(id));
});

Deno.test("peerIdAt() refuses to read past the end", () => {
  assert.throws(() => peerIdAt(new Uint8Array(31), 0), RangeError);
  assert.throws(() => peerIdAt(new Uint8Array(40), 9), RangeError);
  assert.throws(() => peerIdAt(new Uint8Array(40), -1), RangeError);
});
