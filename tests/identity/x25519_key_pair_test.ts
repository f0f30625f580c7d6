import assert from "node:assert/strict";
import { generateX25519KeyPair, X25519_KEY_BYTES } from "../../lib/identity/x25519_key_pair.ts";
import { x25519SharedSecret } from "../../lib/secure/noise/x25519.ts";

Deno.test("generateX25519KeyPair() makes a 32-byte public key that agrees with its private key", async () => {
  const [a, b] = [await generateX25519KeyPair(), await generateX25519KeyPair()];
  assert.equal(a.publicKey.byteLength, X25519_KEY_BYTES);
  assert.equal(a.privateKey.extractable, false);
  assert.deepEqual(
    await x25519SharedSecret(a.privateKey, b.publicKey),
    await x25519SharedSecret(b.privateKey, a.publicKey),
  );
});

Deno.test("generateX25519KeyPair() makes an exportable key only when asked", async () => {
  assert.equal((await generateX25519KeyPair({ extractable: true })).privateKey.extractable, true);
});
