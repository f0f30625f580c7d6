import assert from "node:assert/strict";
import {
  exportIdentityPkcs8,
  generateIdentity,
  importIdentityPkcs8,
  PEER_KEY_CACHE_ENTRIES_MAX,
  signWithIdentity,
  verifyPeerSignature,
} from "../../lib/identity/identity.ts";
import { bytesToHex } from "../../lib/wire/hex.ts";

const data = new TextEncoder().encode("test:some bytes");

Deno.test("verifyPeerSignature() accepts the signer's signature and nothing else", async () => {
  const ann = await generateIdentity();
  const bob = await generateIdentity();
  const signature = await signWithIdentity(ann, data);
  assert.equal(signature.byteLength, 64);
  assert.equal(await verifyPeerSignature(ann.id, data, signature), true);
  assert.equal(await verifyPeerSignature(bob.id, data, signature), false);
  assert.equal(await verifyPeerSignature(ann.id, data.subarray(1), signature), false);
  const flipped = signature.slice();
  flipped[10]! ^= 1;
  assert.equal(await verifyPeerSignature(ann.id, data, flipped), false);
});

Deno.test("verifyPeerSignature() returns false for malformed ids and signatures", async () => {
  const ann = await generateIdentity();
  const signature = await signWithIdentity(ann, data);
  assert.equal(await verifyPeerSignature(ann.id.toUpperCase(), data, signature), false);
  assert.equal(await verifyPeerSignature(ann.id.slice(2), data, signature), false);
  assert.equal(await verifyPeerSignature("zz".repeat(32), data, signature), false);
  assert.equal(await verifyPeerSignature("ff".repeat(32), data, signature), false);
  assert.equal(await verifyPeerSignature(ann.id, data, signature.subarray(0, 63)), false);
  assert.equal(await verifyPeerSignature(ann.id, data, new Uint8Array(0)), false);
});

Deno.test("verifyPeerSignature() still verifies after its key cache has evicted the key", async () => {
  const ann = await generateIdentity();
  const signature = await signWithIdentity(ann, data);
  assert.equal(await verifyPeerSignature(ann.id, data, signature), true);
  // Fill the cache with other keys (their signatures need not verify: each lookup imports).
  const junk = new Uint8Array(64);
  for (let i = 0; i <= PEER_KEY_CACHE_ENTRIES_MAX; i++) {
    const other = await generateIdentity();
    await verifyPeerSignature(other.id, data, junk);
  }
  assert.equal(await verifyPeerSignature(ann.id, data, signature), true);
});

Deno.test("importIdentityPkcs8() restores the identity that exportIdentityPkcs8() saved", async () => {
  const ann = await generateIdentity();
  const der = await exportIdentityPkcs8(ann);
  assert.equal(der.byteLength, 48);
  const again = await importIdentityPkcs8(der);
  assert.equal(again.id, ann.id);
  assert.equal(bytesToHex(again.publicKey), ann.id);
  assert.equal(again.privateKey.extractable, false);
  await assert.rejects(exportIdentityPkcs8(again), TypeError);
  const signature = await signWithIdentity(again, data);
  assert.equal(await verifyPeerSignature(ann.id, data, signature), true);
  assert.equal(
    (await importIdentityPkcs8(der, { extractable: true })).privateKey.extractable,
    true,
  );
});

Deno.test("importIdentityPkcs8() rejects an X25519 key and garbage", async () => {
  const pair = await crypto.subtle.generateKey({ name: "X25519" }, true, [
    "deriveBits",
  ]) as CryptoKeyPair;
  const x25519 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  await assert.rejects(importIdentityPkcs8(x25519), DOMException);
  await assert.rejects(importIdentityPkcs8(new Uint8Array(48)), DOMException);
});

// Signing and verifying go through node:crypto for speed; WebCrypto is the
// reference they must match, byte for byte and verdict for verdict.

/** WebCrypto's verdict, the reference. */
async function webCryptoVerdict(
  publicKey: Uint8Array<ArrayBuffer>,
  message: Uint8Array<ArrayBuffer>,
  signature: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  try {
    const key = await crypto.subtle.importKey("raw", publicKey, "Ed25519", false, ["verify"]);
    return await crypto.subtle.verify("Ed25519", key, signature, message);
  } catch {
    return false;
  }
}

/** Encodings of the small-order points (RFC 8032 §5.1.3 edge cases, with non-canonical forms). */
const SMALL_ORDER_POINTS = [
  "00".repeat(32),
  "01" + "00".repeat(31),
  "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
  "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
  "ec" + "ff".repeat(30) + "7f",
  "ed" + "ff".repeat(30) + "7f",
  "ee" + "ff".repeat(30) + "7f",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
].map((hex) => Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16)));

/** The group order L, little-endian: S ≥ L is not canonical. */
const ORDER_L = Uint8Array.from(
  "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010".match(/../g)!,
  (pair) => parseInt(pair, 16),
);

Deno.test("signWithIdentity() gives WebCrypto's signature byte for byte, stored keys included", async () => {
  const fresh = await generateIdentity();
  const stored = await importIdentityPkcs8(await exportIdentityPkcs8(fresh)); // not extractable
  for (const identity of [fresh, stored]) {
    for (const length of [0, 1, 100, 5000]) {
      const message = crypto.getRandomValues(new Uint8Array(length));
      const reference = new Uint8Array(
        await crypto.subtle.sign("Ed25519", identity.privateKey, message),
      );
      assert.deepEqual(await signWithIdentity(identity, message), reference);
    }
  }
});

Deno.test("verifyPeerSignature() agrees with WebCrypto on small-order keys, non-canonical S and mutations", async () => {
  const cases: [Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>][] = [];
  const messages = [new Uint8Array(0), crypto.getRandomValues(new Uint8Array(40))];
  // Crafted signatures over small-order keys: R a small-order point, S zero, L or random.
  for (const key of SMALL_ORDER_POINTS) {
    for (const r of SMALL_ORDER_POINTS) {
      for (const s of [new Uint8Array(32), ORDER_L, crypto.getRandomValues(new Uint8Array(32))]) {
        for (const message of messages) {
          const signature = new Uint8Array(64);
          signature.set(r);
          signature.set(s, 32);
          cases.push([key, message, signature]);
        }
      }
    }
  }
  // Honest signatures, then flipped bits, S + L, high bits set, and altered keys.
  const ann = await generateIdentity();
  for (let i = 0; i < 400; i++) {
    const message = crypto.getRandomValues(new Uint8Array(i % 90));
    const signature = await signWithIdentity(ann, message);
    const key = ann.publicKey.slice();
    switch (i % 5) {
      case 1:
        signature[i % 64]! ^= 1 << (i % 8);
        break;
      case 2: {
        let carry = 0;
        for (let j = 0; j < 32; j++) {
          const sum = signature[32 + j]! + ORDER_L[j]! + carry;
          signature[32 + j] = sum & 0xff;
          carry = sum >> 8;
        }
        break;
      }
      case 3:
        signature[63]! |= 0xe0;
        break;
      case 4:
        key[i % 32]! ^= 1 << (i % 8);
        break;
    }
    cases.push([key, message, signature]);
  }
  let accepted = 0;
  for (const [key, message, signature] of cases) {
    const expected = await webCryptoVerdict(key, message, signature);
    const got = await verifyPeerSignature(bytesToHex(key), message, signature);
    assert.equal(got, expected, `key ${bytesToHex(key)} signature ${bytesToHex(signature)}`);
    if (got) accepted++;
  }
  // The honest, unaltered signatures (and whatever WebCrypto also accepts).
  assert.ok(accepted >= 80, `${accepted} accepted`);
});
