import assert from "node:assert/strict";
import { hkdf } from "../../../lib/secure/noise/hkdf.ts";

async function hmac(
  key: Uint8Array<ArrayBuffer>,
  data: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, data));
}

/** Noise §4.3 HKDF, written out with HMAC-SHA256 as the spec states it. */
async function referenceHkdf(
  chainingKey: Uint8Array<ArrayBuffer>,
  inputKeyMaterial: Uint8Array<ArrayBuffer>,
): Promise<string[]> {
  const tempKey = await hmac(chainingKey, inputKeyMaterial);
  const output1 = await hmac(tempKey, Uint8Array.of(1));
  const output2 = await hmac(tempKey, Uint8Array.of(...output1, 2));
  const output3 = await hmac(tempKey, Uint8Array.of(...output2, 3));
  return [output1.toHex(), output2.toHex(), output3.toHex()];
}

Deno.test("hkdf() matches Noise's HMAC-SHA256 definition for 2 and 3 outputs", async () => {
  for (const ikmBytes of [0, 32]) {
    const chainingKey = crypto.getRandomValues(new Uint8Array(32));
    const ikm = crypto.getRandomValues(new Uint8Array(ikmBytes));
    const expected = await referenceHkdf(chainingKey, ikm);
    assert.deepEqual((await hkdf(chainingKey, ikm, 2)).map((b) => b.toHex()), expected.slice(0, 2));
    assert.deepEqual((await hkdf(chainingKey, ikm, 3)).map((b) => b.toHex()), expected);
  }
});

Deno.test("hkdf() matches RFC 5869 test case 3 (empty salt and info)", async () => {
  const [t1, t2] = await hkdf(new Uint8Array(0), new Uint8Array(22).fill(0x0b), 2);
  assert.equal(
    Uint8Array.of(...t1, ...t2).subarray(0, 42).toHex(),
    "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
  );
});

Deno.test("hkdf() rejects an output count other than 2 or 3", async () => {
  await assert.rejects(hkdf(new Uint8Array(32), new Uint8Array(32), 4 as 3), RangeError);
});
