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
