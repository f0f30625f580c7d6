import assert from "node:assert/strict";
import { generateX25519KeyPair } from "../../../lib/identity/x25519_key_pair.ts";
import {
  exportX25519PrivateKey,
  importX25519PrivateKey,
  x25519SharedSecret,
} from "../../../lib/secure/noise/x25519.ts";

// RFC 7748 §6.1.
const ALICE_PRIVATE = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
const ALICE_PUBLIC = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
const BOB_PRIVATE = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
const BOB_PUBLIC = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
const SHARED = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

Deno.test("importX25519PrivateKey() derives the RFC 7748 public keys", async () => {
  const alice = await importX25519PrivateKey(Uint8Array.fromHex(ALICE_PRIVATE));
  const bob = await importX25519PrivateKey(Uint8Array.fromHex(BOB_PRIVATE));
  assert.equal(alice.publicKey.toHex(), ALICE_PUBLIC);
  assert.equal(bob.publicKey.toHex(), BOB_PUBLIC);
  assert.equal(alice.privateKey.extractable, false);
});

Deno.test("x25519SharedSecret() computes the RFC 7748 shared secret both ways", async () => {
  const alice = await importX25519PrivateKey(Uint8Array.fromHex(ALICE_PRIVATE));
  const bob = await importX25519PrivateKey(Uint8Array.fromHex(BOB_PRIVATE));
  assert.equal((await x25519SharedSecret(alice.privateKey, bob.publicKey)).toHex(), SHARED);
  assert.equal((await x25519SharedSecret(bob.privateKey, alice.publicKey)).toHex(), SHARED);
});

Deno.test("generateX25519KeyPair() makes distinct key pairs that agree on a secret", async () => {
  const a = await generateX25519KeyPair();
  const b = await generateX25519KeyPair();
  assert.equal(a.publicKey.byteLength, 32);
  assert.notDeepEqual(a.publicKey, b.publicKey);
  assert.deepEqual(
    await x25519SharedSecret(a.privateKey, b.publicKey),
    await x25519SharedSecret(b.privateKey, a.publicKey),
  );
});

Deno.test("exportX25519PrivateKey() round-trips an extractable key and refuses others", async () => {
  const generated = await generateX25519KeyPair({ extractable: true });
  const raw = await exportX25519PrivateKey(generated.privateKey);
  assert.equal(raw.byteLength, 32);
  const imported = await importX25519PrivateKey(raw, { extractable: true });
  assert.deepEqual(imported.publicKey, generated.publicKey);
  assert.deepEqual(await exportX25519PrivateKey(imported.privateKey), raw);
  const fixed = await importX25519PrivateKey(Uint8Array.fromHex(ALICE_PRIVATE), {
    extractable: true,
  });
  assert.equal((await exportX25519PrivateKey(fixed.privateKey)).toHex(), ALICE_PRIVATE);
  await assert.rejects(
    exportX25519PrivateKey((await generateX25519KeyPair()).privateKey),
    TypeError,
  );
});

Deno.test("x25519SharedSecret() rejects a low-order public key with RangeError", async () => {
  const a = await generateX25519KeyPair();
  await assert.rejects(x25519SharedSecret(a.privateKey, new Uint8Array(32)), /low order/);
  await assert.rejects(
    x25519SharedSecret(a.privateKey, Uint8Array.of(1, ...new Uint8Array(31))),
    RangeError,
  );
});

Deno.test("X25519 functions reject keys that are not 32 bytes", async () => {
  const a = await generateX25519KeyPair();
  await assert.rejects(importX25519PrivateKey(new Uint8Array(31)), RangeError);
  await assert.rejects(x25519SharedSecret(a.privateKey, new Uint8Array(33)), RangeError);
});
