import assert from "node:assert/strict";
import fc from "fast-check";
import { bytesToHex, hexToBytes, isLowerHex } from "../../lib/wire/hex.ts";

Deno.test("bytesToHex() writes two lowercase digits per byte", () => {
  assert.equal(bytesToHex(new Uint8Array([0, 1, 0x7f, 0x80, 0xab, 0xff])), "00017f80abff");
  assert.equal(bytesToHex(new Uint8Array(0)), "");
});

Deno.test("bytesToHex() agrees with Number.toString(16) (property)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const expected = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
      assert.equal(bytesToHex(bytes), expected);
    }),
  );
});

Deno.test("hexToBytes() inverts bytesToHex() (property)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      assert.deepEqual(hexToBytes(bytesToHex(bytes)), bytes);
      assert.deepEqual(hexToBytes(bytesToHex(bytes).toUpperCase()), bytes);
    }),
  );
});

Deno.test("hexToBytes() accepts either case", () => {
  assert.deepEqual(hexToBytes("aBcD"), new Uint8Array([0xab, 0xcd]));
  assert.deepEqual(hexToBytes(""), new Uint8Array(0));
});

Deno.test("hexToBytes() rejects an odd length with a RangeError", () => {
  assert.throws(() => hexToBytes("abc"), {
    name: "RangeError",
    message: "Cannot decode hex: length 3 is odd",
  });
});

Deno.test("hexToBytes() rejects a non-hex character with a TypeError naming it", () => {
  assert.throws(() => hexToBytes("0g"), {
    name: "TypeError",
    message: 'Cannot decode hex: character "g" at index 1 is not a hex digit',
  });
  for (const bad of ["zz", " 0", "0x", "é0", "\u0000\u0000", "👋"]) {
    assert.throws(() => hexToBytes(bad), TypeError, bad);
  }
});

Deno.test("isLowerHex() accepts only non-empty lowercase hex of whole bytes", () => {
  assert.ok(isLowerHex("0123456789abcdef"));
  for (const bad of ["", "0", "AB", "0g", "ab ", "00\u0000"]) assert.ok(!isLowerHex(bad), bad);
});
