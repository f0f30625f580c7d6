import assert from "node:assert/strict";
import fc from "fast-check";
import { libcrypto } from "../../lib/secure/libcrypto.ts";
import {
  sha256,
  sha256Implementation,
  sha256Into,
  sha256IntoScript,
} from "../../lib/secure/sha256.ts";
import { bytesToHex as toHex } from "../../lib/wire/hex.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);

Deno.test("sha256() matches the FIPS 180-4 examples", () => {
  assert.equal(
    toHex(sha256(utf8(""))),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assert.equal(
    toHex(sha256(utf8("abc"))),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(
    toHex(sha256(utf8("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  );
});

Deno.test("sha256() agrees with WebCrypto at every length around the block edges (property)", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 200 }), async (data) => {
      const expected = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
      assert.deepEqual(sha256(data), expected);
    }),
    { numRuns: 300 },
  );
});

Deno.test("sha256Into() writes the same digest at an offset and leaves the rest alone (property)", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 300 }),
      fc.integer({ min: 0, max: 8 }),
      (data, offset) => {
        const out = new Uint8Array(offset + 40).fill(0xaa);
        sha256Into(data, out, offset);
        assert.deepEqual(out.subarray(offset, offset + 32), sha256(data));
        assert.ok(out.subarray(0, offset).every((b) => b === 0xaa));
        assert.ok(out.subarray(offset + 32).every((b) => b === 0xaa));
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("sha256Into() refuses an output without 32 bytes at the offset", () => {
  assert.throws(() => sha256Into(new Uint8Array(1), new Uint8Array(40), 9), RangeError);
  assert.throws(() => sha256Into(new Uint8Array(1), new Uint8Array(31)), RangeError);
});

Deno.test("sha256IntoScript() (the JavaScript rounds) gives WebCrypto's digest, whatever sha256() uses (property)", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ minLength: 0, maxLength: 300 }),
      fc.integer({ min: 0, max: 8 }),
      async (data, offset) => {
        const out = new Uint8Array(offset + 40).fill(0xaa);
        sha256IntoScript(data, out, offset);
        const expected = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
        assert.deepEqual(out.subarray(offset, offset + 32), expected);
        assert.ok(out.subarray(0, offset).every((b) => b === 0xaa));
        assert.ok(out.subarray(offset + 32).every((b) => b === 0xaa));
      },
    ),
    { numRuns: 300 },
  );
  assert.throws(() => sha256IntoScript(new Uint8Array(1), new Uint8Array(31)), RangeError);
});

Deno.test({
  name: "sha256() runs on OpenSSL where libcrypto loads (the tests grant --allow-ffi)",
  ignore: libcrypto() instanceof Error,
  fn() {
    assert.equal(sha256Implementation(), "openssl");
    const large = new Uint8Array(100_000).map((_, i) => i * 31);
    const out = new Uint8Array(32);
    sha256IntoScript(large, out);
    assert.deepEqual(sha256(large), out);
  },
});
